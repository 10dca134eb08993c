"""deploy/k8s validates offline (issue 24 §3): every overlay rendered by kustomize (`kubectl kustomize`;
without kubectl, each resource file the kustomizations list), then `kubernetes-validate --strict` on it.
And the manifests say what docs/kubernetes.md says: the configuration per overlay, the scrape
annotations, the master's `lab run`, workers equal to the workers it expects."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
VALIDATE = Path(sys.executable).with_name("kubernetes-validate")


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALIDATE), "--strict", "--quiet", str(path)], capture_output=True, text=True, timeout=120
    )


def _listed(directory: Path) -> list[Path]:
    """The resource files a kustomization lists, its bases' included, each checked to exist."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    found = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        assert path.exists(), f"{directory}/kustomization.yaml lists {entry}, which does not exist"
        found += _listed(path) if path.is_dir() else [path]
    for generator in kustomization.get("configMapGenerator", []):
        for name in generator.get("files", []):
            assert (directory / name.split("=")[-1]).is_file(), f"{directory}: no {name}"
    return found


def _render(overlay: str, tmp_path: Path) -> Path:
    """The overlay as kustomize renders it, or (no kubectl here) its resource files concatenated."""
    out = tmp_path / f"{overlay}.yaml"
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        out.write_text("\n---\n".join(p.read_text() for p in _listed(K8S / "overlays" / overlay)))
        return out
    done = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    out.write_text(done.stdout)
    return out


def _documents(path: Path) -> dict[str, dict[str, Any]]:
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(path.read_text()) if d}


def test_there_is_an_overlay_per_default_configuration() -> None:
    assert {"uvicorn-single", "gunicorn-multi", "threadpool-tuned"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_validates_strictly(overlay: str, tmp_path: Path) -> None:
    _listed(K8S / "overlays" / overlay)
    rendered = _render(overlay, tmp_path)
    done = _validate(rendered)
    assert done.returncode == 0, done.stdout + done.stderr
    docs = _documents(rendered)
    if shutil.which("kubectl") is None:
        return  # the patches are kustomize's to apply
    app = docs["Deployment/app"]["spec"]["template"]
    assert app["spec"]["containers"][0]["env"][0] == {"name": "LAB_CONFIG", "value": overlay}
    assert app["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert app["metadata"]["annotations"]["prometheus.io/port"] == "8000"
    run = next(d for k, d in docs.items() if k.startswith("ConfigMap/lab-run"))
    assert docs["Deployment/locust-workers"]["spec"]["replicas"] == int(run["data"]["EXPECT_WORKERS"])
    master = docs["Job/locust-master"]["spec"]["template"]["spec"]["containers"][0]
    assert "lab run --host http://app:8000 --metrics-url http://app:8000/metrics" in master["command"][-1]


def test_the_validation_bites(tmp_path: Path) -> None:
    """Strict: a field Kubernetes does not know fails, so the test above can fail."""
    bad = tmp_path / "bad.yaml"
    service = yaml.safe_load((K8S / "base" / "app.yaml").read_text().split("\n---\n")[1])
    service["spec"]["replica"] = 1
    bad.write_text(yaml.safe_dump(service))
    done = _validate(bad)
    assert done.returncode != 0 and "'replica' was unexpected" in done.stdout + done.stderr
