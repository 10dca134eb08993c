"""Locust workers on other hosts, for real (issue 24 §2): network namespaces as hosts.

Seven hosts on a private bridge (tests/netns_support.py, 10.213.24.0/24): `svc` runs `lab serve`,
`master` runs `lab compare` (Locust's master, and compare's own server) and `runner` runs `lab run`
(Locust's master); `w1` and `w2` run a Locust worker each for compare's master, `r1` and `r2` for run's,
restarted in a loop as the lab tells users to (a master's exit stops its workers). `lab compare
--expect-workers 2` runs two cells; a worker is SIGKILLed in the middle of the first, which fails with
the reason while the second runs and reconciles. `lab run --host` measures the service on `svc` through
its two workers meanwhile: the two runs share no host, and what each test checks (statuses, counts that
reconcile, the shape's users) holds on a busy machine, so one module fixture runs them side by side.
The only traffic the lab sends off loopback, and only to these namespaces; all of them are deleted
afterwards, failure or not. Needs root: otherwise a clear failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
WORKERS = ("w1", "w2")  # compare's
RUN_WORKERS = ("r1", "r2")  # run's
# Only the file matters to a worker (the master names the class): no User class needs inspecting here.
SHAPED_SCENARIO = Scenario("AsyncReader", "custom", str(SHAPED), "AsyncReader", handler=None)


@dataclass(frozen=True)
class Done:
    """A lab command run on a host to its end: its exit status and its output (stdout and stderr)."""

    returncode: int
    output: str
    out: Path  # its --out


def _workers(net: Network, master: str, hosts: tuple[str, ...], scenario: Scenario, logs: Path) -> None:
    """On each of `hosts`, the worker command the lab prints for `master`, in a loop, at DEBUG (it logs
    when its users are spawned)."""
    for host in hosts:
        net.stop_all(host)
        command = worker_command(scenario, net.addresses[master]) + " --loglevel DEBUG"
        net.start(host, f"while true; do {command}; sleep 0.2; done", logs / f"{host}.log")


def _lab(net: Network, host: str, logs: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """`lab ARGS` started on `host` (its master there), its output to a file: the process, the file, --out."""
    log, out = logs / f"{host}-lab.log", logs / f"{host}-out"
    master = net.addresses[host]
    argv = [PY, "-m", "lab", *args, "--out", str(out), "--expect-workers", "2",
            "--master-bind-host", master, "--expect-workers-max-wait", "40"]  # fmt: skip
    child = net.start(host, argv, log)
    return child, log, out


def _finish(started: tuple[subprocess.Popen[bytes], Path, Path]) -> Done:
    child, log, out = started
    child.wait(timeout=180)  # past it the test fails; the network's close kills the run
    return Done(child.returncode, log.read_text(errors="replace"), out)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """The hosts, and the service on `svc` (started first: it is ready by the time `lab run` needs it)."""
    log = tmp_path_factory.mktemp("hosts") / "svc.log"
    with Network(["svc", "master", *WORKERS, "runner", *RUN_WORKERS]) as network:
        address = network.addresses["svc"]
        network.start("svc", [PY, "-m", "lab", "serve", "uvicorn-single", "--server-host", address,
                              "--port", str(SERVICE_PORT)], log)  # fmt: skip
        yield network
    assert left_behind(network.prefix) == []


def _kill_mid_cell(net: Network, log: Path, killed: list[int]) -> None:
    """Once w1's users of the first cell are spawned and sending, SIGKILL that worker (not its loop). 0.5 s
    after the spawn: well inside the 3 s cell, and the master marks it missing (about 4 s later) the
    sooner; w2 sends the cell's requests either way."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.is_file() and "users spawned" in log.read_text(errors="replace"):
            time.sleep(0.5)
            killed.append(net.kill("w1", "--worker"))
            return
        time.sleep(0.1)


@dataclass(frozen=True)
class Runs:
    compared: Done
    killed: list[int]  # the pid of the worker killed in compare's first cell, once killed
    ran: Done


@pytest.fixture(scope="module")
def runs(net: Network, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """`lab compare` (a worker killed in its first cell) and `lab run` at once, each with its own master
    host and workers, both finished here."""
    logs = tmp_path_factory.mktemp("hosts-runs")
    service = f"http://{net.addresses['svc']}:{SERVICE_PORT}"
    _workers(net, "master", WORKERS, get_scenario("noop-async"), logs)
    _workers(net, "runner", RUN_WORKERS, SHAPED_SCENARIO, logs)
    wait_answering(net, "runner", service + "/metrics", PY)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_mid_cell, args=(net, logs / "w1.log", killed), daemon=True)
    killer.start()
    compare = _lab(
        net, "master", logs, "compare", "--configs", "uvicorn-single", "--scenarios", "noop-async,noop-sync",
        "--users", "10", "--duration", "3", "--warmup", "0", "--calibrate", "0",
        "--pin", "off", "--server-host", net.addresses["master"],
    )  # fmt: skip
    run = _lab(
        net, "runner", logs, "run", "--host", service, "--metrics-url", service + "/metrics",
        "--locustfile", str(SHAPED), "--scenarios", "AsyncReader",
    )  # fmt: skip
    ran = _finish(run)
    compared = _finish(compare)
    killer.join(timeout=5)
    return Runs(compared, killed, ran)


@pytest.mark.slow
def test_compare_with_workers_on_two_hosts_a_killed_worker_fails_only_its_cell(runs: Runs) -> None:
    done, killed = runs.compared, runs.killed
    assert killed, "the worker was never seen sending"
    assert done.returncode == 1, done.output  # a cell failed; every cell ran and was written
    cells = {c["scenario"]: c for c in json.loads((done.out / "summary.json").read_text())["cells"]}
    first, second = cells["noop-async"], cells["noop-sync"]
    assert first["status"] == "failed"
    assert "worker(s) died or lost the master during the cell" in first["error"]
    assert second["status"] == "ok", second
    assert second["generator_processes"] == 2
    assert second["requests"] <= second["server_requests"] <= second["requests"] + second["abandoned"]
    assert second["reconciled"] is True


@pytest.mark.slow
def test_lab_run_measures_a_service_on_another_host_through_two_workers(runs: Runs) -> None:
    done = runs.ran
    assert done.returncode == 0, done.output
    (cell,) = json.loads((done.out / "summary.json").read_text())["cells"]
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
