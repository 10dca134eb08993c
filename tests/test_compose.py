"""docker-compose.yml validates against the Compose schema (Debian's `docker-compose config`, no engine
needed) and wires the stack as the README says: healthchecks, start order, the LAB_CONFIG swap, a
Grafana admin password from the environment, the same Prometheus and Grafana files as the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"app", "postgres", "prometheus", "grafana", "locust-master", "locust-worker"}


def compose_command() -> list[str]:
    """Compose v1 (Debian's `docker-compose`) or v2 (the `docker compose` plugin): either validates."""
    binary = shutil.which("docker-compose")
    if binary is not None:
        return [binary]
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    pytest.fail(
        "neither docker-compose nor `docker compose` is available: install Debian's package "
        "(apt-get install docker-compose) or Docker's compose plugin"
    )


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LAB_", "GRAFANA_"))}
    return subprocess.run(
        [
            *compose_command(),
            "--project-directory",
            str(ROOT),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "config",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**environ, **env},
        cwd=ROOT,
    )


def resolved(**env: str) -> dict[str, Any]:
    result = compose_config(GRAFANA_ADMIN_PASSWORD="test-only", **env)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return resolved()


@pytest.mark.slow
def test_the_compose_file_validates(config: dict[str, Any]) -> None:
    assert set(config["services"]) == SERVICES


@pytest.mark.slow
def test_grafana_needs_an_admin_password_from_the_environment() -> None:
    result = compose_config()
    assert result.returncode != 0
    assert "GRAFANA_ADMIN_PASSWORD" in result.stderr


@pytest.mark.slow
def test_grafana_has_no_anonymous_access(config: dict[str, Any]) -> None:
    env = config["services"]["grafana"]["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == "test-only"
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"


@pytest.mark.slow
def test_lab_config_selects_the_app_configuration(config: dict[str, Any]) -> None:
    assert config["services"]["app"]["environment"]["LAB_CONFIG"] == "uvicorn-single"
    swapped = resolved(LAB_CONFIG="gunicorn-multi")
    assert swapped["services"]["app"]["environment"]["LAB_CONFIG"] == "gunicorn-multi"


@pytest.mark.slow
def test_locust_master_answers_on_the_network_and_asks_the_app_its_configuration(
    config: dict[str, Any],
) -> None:
    master = config["services"]["locust-master"]
    # The lab's plugin binds the web UI and /metrics to 127.0.0.1 unless told: Prometheus, the workers
    # and the published port reach them over the container network.
    assert {"--web-host=0.0.0.0", "--metrics-host=0.0.0.0", "--metrics-port=9646"} <= set(master["command"])
    assert master["command"][-1] == "IoAsyncUser"  # ticked in the class picker to begin with
    # Empty over the image's LAB_CONFIG: each test is labelled with what the app's /health names.
    assert master["environment"]["LAB_CONFIG"] == ""
    swapped = resolved(LAB_CONFIG="gunicorn-multi")["services"]["locust-master"]
    assert swapped["environment"]["LAB_CONFIG"] == ""


@pytest.mark.slow
def test_start_order_waits_for_health(config: dict[str, Any]) -> None:
    services = config["services"]
    expected = {
        "app": "postgres",
        "prometheus": "app",
        "grafana": "prometheus",
        "locust-master": "app",
        "locust-worker": "locust-master",
    }
    for service, dependency in expected.items():
        assert services[service]["depends_on"][dependency]["condition"] == "service_healthy", service
    for dependency in set(expected.values()):
        assert services[dependency]["healthcheck"]["test"][0] == "CMD", dependency


@pytest.mark.slow
def test_the_app_queries_the_postgres_service(config: dict[str, Any]) -> None:
    postgres = config["services"]["postgres"]
    image, _, tag = postgres["image"].partition(":")
    assert image == "postgres" and tag[:1].isdigit(), postgres["image"]  # a pinned version, not latest
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    env = postgres["environment"]
    url = config["services"]["app"]["environment"]["LAB_DATABASE_URL"]
    assert (
        url
        == f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@postgres:5432/{env['POSTGRES_DB']}"
    )


@pytest.mark.slow
def test_locust_workers_scale(config: dict[str, Any]) -> None:
    worker = config["services"]["locust-worker"]
    assert "ports" not in worker and "container_name" not in worker
    assert "--worker" in worker["command"]
    assert "--master-host=locust-master" in worker["command"]


@pytest.mark.slow
def test_published_ports(config: dict[str, Any]) -> None:
    # On 127.0.0.1 only: the app and Locust are load-test targets, not services for the network.
    published = {name: service.get("ports", []) for name, service in config["services"].items()}
    assert published == {
        "app": ["127.0.0.1:8000:8000/tcp"],
        "prometheus": ["127.0.0.1:9090:9090/tcp"],
        "grafana": ["127.0.0.1:3000:3000/tcp"],
        "locust-master": ["127.0.0.1:8089:8089/tcp"],
        "locust-worker": [],
        "postgres": [],
    }


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> host path, for bind mounts."""
    mounts = {}
    for volume in service["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith("/"):
            mounts[target] = source
    return mounts


@pytest.mark.slow
def test_prometheus_runs_the_repository_files(config: dict[str, Any]) -> None:
    mounts = _mounts(config["services"]["prometheus"])
    assert mounts["/etc/prometheus/prometheus.yml"] == str(ROOT / "prometheus" / "prometheus.yml")
    assert mounts["/etc/prometheus/rules"] == str(ROOT / "prometheus" / "rules")
    # targets-docker/ takes the place of targets/ beside prometheus.yml: service names, not 127.0.0.1.
    assert mounts["/etc/prometheus/targets"] == str(ROOT / "prometheus" / "targets-docker")
    for host in mounts.values():
        assert Path(host).exists(), host
    targets = (ROOT / "prometheus" / "targets-docker" / "app.json").read_text()
    assert '"app:8000"' in targets


@pytest.mark.slow
def test_grafana_provisioning_points_at_the_mounted_dashboards(config: dict[str, Any]) -> None:
    mounts = _mounts(config["services"]["grafana"])
    assert mounts["/etc/grafana/provisioning"] == str(ROOT / "grafana" / "provisioning")
    provider = yaml.safe_load((ROOT / "grafana/provisioning/dashboards/lab.yml").read_text())["providers"][0]
    assert Path(mounts[provider["options"]["path"]]) == ROOT / "grafana" / "dashboards"
    home = config["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (ROOT / "grafana" / "dashboards" / Path(home).name).is_file()
    datasource = yaml.safe_load((ROOT / "grafana/provisioning/datasources/prometheus.yml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"


def test_the_image_installs_with_constraints_and_serves_lab_config() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -c constraints.txt ." in dockerfile
    assert 'exec lab serve \\"$LAB_CONFIG\\" --server-host 0.0.0.0 --port 8000' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".lab", "results"} <= set(ignored)


@pytest.mark.slow
def test_compose_v2_is_accepted_when_v1_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docker = (
        tmp_path / "docker"
    )  # a stand-in for Docker's CLI with the compose plugin: only `compose version`
    docker.write_text('#!/bin/sh\n[ "$1 $2" = "compose version" ] && echo "Docker Compose version v2.30.0"\n')
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert compose_command() == [str(docker), "compose"]
    docker.write_text("#!/bin/sh\nexit 1\n")  # a docker without the plugin
    with pytest.raises(pytest.fail.Exception, match="docker compose"):
        compose_command()
