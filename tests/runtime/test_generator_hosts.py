"""Locust workers on other hosts, for real (issue 24 §2): network namespaces as hosts.

Four hosts on a private bridge (tests/netns_support.py, 10.213.24.0/24): `svc` runs `lab serve`,
`master` runs `lab compare` / `lab run` (Locust's master, and compare's own server), `w1` and `w2` run a
Locust worker each, restarted in a loop as the lab tells users to (a master's exit stops its workers).
`lab compare --expect-workers 2` runs two cells; a worker is SIGKILLed in the middle of the first, which
fails with the reason while the second runs and reconciles. `lab run --host` then measures the service
on `svc` through both workers. The only traffic the lab sends off loopback, and only to these
namespaces; all of them are deleted afterwards, failure or not. Needs root: otherwise a clear failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.runtime.generator import worker_command
from lab.shared.scenarios import Scenario, get_scenario
from tests import netns_support
from tests.netns_support import Network, NetworkError, left_behind, wait_answering

SHAPED = Path(__file__).resolve().parents[1] / "data" / "shaped" / "locustfile.py"
PY = sys.executable
# Ports inside the test's own namespaces: nothing else listens there, so fixed ports cannot collide.
SERVICE_PORT = 8000
WORKERS = ("w1", "w2")
# Only the file matters to a worker (the master names the class): no User class needs inspecting here.
SHAPED_SCENARIO = Scenario("AsyncReader", "custom", str(SHAPED), "AsyncReader", handler=None)


def _workers(net: Network, scenario: Scenario, logs: Path) -> None:
    """On each worker host, the worker command `lab compare` prints, in a loop, at DEBUG (it logs when its
    users are spawned)."""
    for host in WORKERS:
        net.stop_all(host)
        command = worker_command(scenario, net.addresses["master"]) + " --loglevel DEBUG"
        net.start(host, f"while true; do {command}; sleep 0.2; done", logs / f"{host}.log")


def _lab(net: Network, *args: str) -> subprocess.CompletedProcess[str]:
    master = net.addresses["master"]
    return net.run("master", [PY, "-m", "lab", *args, "--expect-workers", "2", "--master-bind-host", master,
                              "--expect-workers-max-wait", "40"], timeout=180)  # fmt: skip


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """The hosts, and the service on `svc` (started first: it is ready by the time `lab run` needs it)."""
    log = tmp_path_factory.mktemp("hosts") / "svc.log"
    with Network(["svc", "master", *WORKERS]) as network:
        address = network.addresses["svc"]
        network.start("svc", [PY, "-m", "lab", "serve", "uvicorn-single", "--server-host", address,
                              "--port", str(SERVICE_PORT)], log)  # fmt: skip
        yield network
    assert left_behind(network.prefix) == []


def _kill_mid_cell(net: Network, log: Path, killed: list[int]) -> None:
    """Once w1's users of the first cell are spawned and sending, SIGKILL that worker (not its loop)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.is_file() and "users spawned" in log.read_text(errors="replace"):
            time.sleep(1.0)
            killed.append(net.kill("w1", "--worker"))
            return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def compared(
    net: Network, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path, list[int]]:
    logs = tmp_path_factory.mktemp("hosts-compare")
    _workers(net, get_scenario("noop-async"), logs)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_mid_cell, args=(net, logs / "w1.log", killed), daemon=True)
    killer.start()
    done = _lab(
        net, "compare", "--configs", "uvicorn-single", "--scenarios", "noop-async,noop-sync", "--users", "10",
        "--duration", "3", "--warmup", "0", "--calibrate", "0",
        "--pin", "off", "--server-host", net.addresses["master"],
        "--out", str(logs / "out"),
    )  # fmt: skip
    killer.join(timeout=5)
    return done, logs / "out", killed


@pytest.mark.slow
def test_compare_with_workers_on_two_hosts_a_killed_worker_fails_only_its_cell(
    compared: tuple[subprocess.CompletedProcess[str], Path, list[int]],
) -> None:
    done, out, killed = compared
    assert killed, "the worker was never seen sending"
    assert done.returncode == 1, done.stdout + done.stderr  # a cell failed; every cell ran and was written
    cells = {c["scenario"]: c for c in json.loads((out / "summary.json").read_text())["cells"]}
    first, second = cells["noop-async"], cells["noop-sync"]
    assert first["status"] == "failed"
    assert "worker(s) died or lost the master during the cell" in first["error"]
    assert second["status"] == "ok", second
    assert second["generator_processes"] == 2
    assert second["requests"] <= second["server_requests"] <= second["requests"] + second["abandoned"]
    assert second["reconciled"] is True


@pytest.fixture(scope="module")
def ran(
    net: Network, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    logs = tmp_path_factory.mktemp("hosts-run")
    service = f"http://{net.addresses['svc']}:{SERVICE_PORT}"
    _workers(net, SHAPED_SCENARIO, logs)
    wait_answering(net, "master", service + "/metrics", PY)
    done = _lab(
        net, "run", "--host", service, "--metrics-url", service + "/metrics", "--locustfile", str(SHAPED),
        "--scenarios", "AsyncReader", "--out", str(logs / "out"),
    )  # fmt: skip
    return done, logs / "out"


@pytest.mark.slow
def test_lab_run_measures_a_service_on_another_host_through_two_workers(
    ran: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = ran
    assert done.returncode == 0, done.stdout + done.stderr
    (cell,) = json.loads((out / "summary.json").read_text())["cells"]
    assert cell["status"] == "ok" and cell["generator_processes"] == 2
    assert cell["users"] == 6  # the shape's, spread over the two workers
    assert cell["requests"] <= cell["server_requests"] <= cell["requests"] + cell["abandoned"]
    assert cell["reconciled"] is True


@pytest.mark.slow
def test_everything_is_torn_down_even_when_the_test_fails() -> None:
    with pytest.raises(RuntimeError, match="the test failed here"), Network(["a"]) as network:
        sleeper = network.start("a", ["sleep", "300"], Path("/dev/null"))
        raise RuntimeError("the test failed here")
    assert sleeper.poll() is not None
    assert left_behind(network.prefix) == []


def test_not_root_is_a_clear_failure_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns_support.os, "geteuid", lambda: 1000)
    with pytest.raises(NetworkError, match="needs root: run `make test` as root"):
        Network(["a"])
