"""A non-editable install works from any directory (issue 10): `pip install .` into a fresh virtual
environment, then `lab compare` and `lab up` run from a directory outside the repository.

The locustfiles and Prometheus' files live at the top of the repository (where users, README and
docker-compose.yml find them); lab/locustfiles and lab/prometheus link to them, and the wheel ships real
copies. Before, an installed `lab` looked for them beside site-packages and every cell failed.

What is under test is the wheel pip builds from a copy of the sources and what it declares, not the
dependencies' own installs: pip installs the package alone (`--no-deps`) into a venv made without pip
(this suite's pip installs into it with `--python`), and the venv then sees the suite's installed copies
of exactly the distributions the wheel's metadata pulls in (extras followed, markers evaluated; linked,
so their bytecode comes along), none other: a dependency the package imports but does not declare still
fails here. Installing the ~70 dependencies again took 24 s of the module's 46 s.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import free_port
from tests.locust_support import web_ui_args
from tests.up_support import read_banner

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
# What `pip install .` reads: the project's metadata, the package and the directories it links to.
SOURCES = ("pyproject.toml", "README.md", "constraints.txt", "lab", "locustfiles", "prometheus")


@dataclass(frozen=True)
class Installed:
    venv: Path
    elsewhere: Path  # a working directory outside the repository and the source copy
    env: dict[str, str]

    @property
    def lab(self) -> str:
        return str(self.venv / "bin" / "lab")

    def site_lab(self) -> Path:
        (site,) = (self.venv / "lib").glob("python*/site-packages")
        return site / "lab"


def _copy_sources(dest: Path) -> None:
    """The working tree's sources, links kept: setuptools writes build/ beside them, never in the repo."""
    dest.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(source, dest / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, dest / name)


def _declared(requires: Iterable[str], extras: frozenset[str] = frozenset()) -> Iterator[Requirement]:
    """The requirements of a distribution's Requires-Dist that hold here, with `extras` asked of it."""
    for line in requires:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in {"", *extras}):
            yield requirement


def _closure(requires: Iterable[str]) -> list[importlib.metadata.Distribution]:
    """This interpreter's installed distributions that `requires` pulls in, each satisfying what asks
    for it."""
    found: dict[str, importlib.metadata.Distribution] = {}
    done: set[tuple[str, frozenset[str]]] = set()
    todo = list(_declared(requires))
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in done:
            continue
        done.add(key)
        dist = found.setdefault(key[0], importlib.metadata.distribution(requirement.name))
        assert requirement.specifier.contains(dist.version, prereleases=True), (requirement, dist.version)
        todo += _declared(dist.requires or [], key[1])
    return list(found.values())


def _link(owned: dict[tuple[str, ...], set[str]], source: Path, dest: Path) -> None:
    """Under `dest`, a link to each top entry of `owned` (relative file paths -> the distributions that
    list them) one distribution owns; an entry several share (a namespace package) is a directory whose
    entries are linked the same way."""
    dest.mkdir(exist_ok=True)
    tops: dict[str, dict[tuple[str, ...], set[str]]] = {}
    for parts, owners in owned.items():
        tops.setdefault(parts[0], {})[parts[1:]] = owners
    for top, below in tops.items():
        if () in below or len({owner for owners in below.values() for owner in owners}) == 1:
            (dest / top).symlink_to(source / top)
        else:
            _link(below, source / top, dest / top)


def _dependencies(site: Path, requires: Iterable[str]) -> None:
    """The closure of `requires` from this interpreter's site-packages, linked into `site`/../deps, which a
    .pth file in `site` adds as a site directory (so that the dependencies' own .pth files run, as
    installed)."""
    owned: dict[tuple[str, ...], set[str]] = {}
    dists = _closure(requires)
    (source,) = {Path(str(dist.locate_file(""))) for dist in dists}
    for dist in dists:
        for file in dist.files or []:
            if file.parts[0] != ".." and "__pycache__" not in file.parts:  # scripts: `lab` runs `python -m`
                owned.setdefault(file.parts, set()).add(dist.metadata["Name"])
    deps = site.parent / "deps"
    _link(owned, source, deps)
    (site / "suite-dependencies.pth").write_text(f"import site; site.addsitedir({str(deps)!r})\n")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("install")
    _copy_sources(root / "src")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
         "--disable-pip-version-check", "--no-deps", str(root / "src")],
        capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    (site,) = (venv / "lib").glob("python*/site-packages")
    (wheel,) = site.glob("*.dist-info")
    _dependencies(site, importlib.metadata.Distribution.at(wheel).requires or [])
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    # Nothing of the test's own environment leaks in: the fresh venv's bin first, no PYTHONPATH.
    outer_bin = str(Path(sys.executable).parent)
    path = [str(venv / "bin"), *(p for p in os.environ["PATH"].split(os.pathsep) if p != outer_bin)]
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("LAB_")}
    env["PATH"] = os.pathsep.join(path)
    if "LAB_PROMETHEUS" in os.environ:
        env["LAB_PROMETHEUS"] = os.environ["LAB_PROMETHEUS"]
    return Installed(venv, elsewhere, env)


def _files(root: Path, pattern: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(pattern) if "__pycache__" not in p.parts)


def test_the_installed_package_is_imported_and_ships_every_locustfile_and_prometheus_file(
    installed: Installed,
) -> None:
    where = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", "import lab; print(lab.__file__)"],
        cwd=installed.elsewhere, env=installed.env, capture_output=True, text=True, timeout=30, check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(where).parent == installed.site_lab()
    site = installed.site_lab()
    assert not (site / "locustfiles").is_symlink()
    assert _files(site / "locustfiles", "*.py") == _files(REPO / "locustfiles", "*.py")
    rules = _files(REPO / "prometheus", "rules/*.yml")
    assert _files(site / "prometheus", "*.yml") == ["prometheus.yml", *rules]


@pytest.mark.slow
def test_lab_compare_runs_from_another_directory(installed: Installed) -> None:
    out = installed.elsewhere / "compare"
    # One 1 s cell, nothing before it (no --quick: it sets 2 s cells after 1 s of warm-up, over these).
    run = subprocess.run(
        [installed.lab, "compare", "--configs", "uvicorn-single", "--scenarios", "noop-async", "--users", "2",
         "--duration", "1s", "--warmup", "0", "--calibrate", "0", "--out", str(out)],
        cwd=installed.elsewhere, env=installed.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    (cell,) = json.loads((out / "summary.json").read_text())["cells"]
    assert cell["status"] == "ok", cell["error"]
    assert cell["requests"] > 0
    assert cell["server_requests"] > 0
    assert (out / "report.html").is_file()


@contextlib.contextmanager
def _lab_up(installed: Installed, *args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """`lab up ...` until it printed its URLs; killed with its process group whatever happens."""
    process = subprocess.Popen(
        [installed.lab, "up", *args],
        cwd=installed.elsewhere, env=installed.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        urls: dict[str, str] = {}
        lines: list[str] = []
        read_banner(process, lines, urls)
        assert "Prometheus" in urls and urls["Prometheus"].startswith("http://"), "\n".join(lines)
        yield process, urls
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)


def _eventually_up(prometheus: str, job: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{prometheus}/api/v1/query", params={"query": f'up{{job="{job}"}}'}, timeout=10)
        assert response.status_code == 200, response.text
        if [r for r in response.json()["data"]["result"] if r["value"][1] == "1"]:
            return
        assert time.monotonic() < deadline, f"Prometheus never scraped job {job}"
        time.sleep(0.1)  # it scrapes every second: a tighter poll sees the first scrape sooner


@pytest.mark.slow
def test_lab_up_starts_every_part_from_another_directory_and_stops_on_ctrl_c(installed: Installed) -> None:
    flags = ("--port", "--locust-port", "--locust-metrics-port", "--prometheus-port")
    ports = [str(x) for flag in flags for x in (flag, free_port())]
    data = installed.elsewhere / "prom"
    with _lab_up(installed, "uvicorn-single", *ports, "--data-dir", str(data)) as (process, urls):
        health = httpx.get(f"{urls['app']}/health", timeout=10)
        assert health.status_code == 200
        assert health.json()["config"] == "uvicorn-single"
        # Every scenario of the installed locustfiles is on offer in the web UI.
        assert len(web_ui_args(urls["Locust UI"])["users"]) >= 14
        # The installed prometheus.yml (its jobs) and rules/ (its recording rules) are the ones running.
        prometheus = urls["Prometheus"]
        _eventually_up(prometheus, "app")
        _eventually_up(prometheus, "locust")
        groups = httpx.get(f"{prometheus}/api/v1/rules", timeout=10).json()["data"]["groups"]
        assert [rule for group in groups for rule in group["rules"]]
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0, out
