"""`lab compare`'s load generator for real: two Locust processes, and a worker started elsewhere that dies."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lab.runtime.generator import worker_command
from lab.runtime.ports import free_port
from lab.shared.scenarios import get_scenario
from tests.cli_support import refused

LAB = [
    sys.executable,
    "-m",
    "lab",
    "compare",
    "--configs",
    "uvicorn-single",
    "--warmup",
    "0",
    "--calibrate",
    "0",
]


# locust.runners.WORKER_REPORT_INTERVAL: how often a worker reports (importing it would import Locust, and
# its gevent patching, into pytest)
WORKER_REPORT_INTERVAL_S = 3.0


def _cells(out: Path) -> list[dict[str, Any]]:
    return list(json.loads((out / "summary.json").read_text())["cells"])


@pytest.fixture(scope="module")
def two_on_127_0_0_2(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One real cell for two tests: two generator processes send to a server bound on 127.0.0.2 (loopback
    still), 127.0.0.1:PORT taken so that the cell can only run there. Neither claim depends on the other
    (each worker sends to the URL of the cell's server, wherever it binds): one run, not two. 1 s: the
    counts reconcile at any length, and the busiest process's CPU is sampled every 0.2 s."""
    out = tmp_path_factory.mktemp("generator") / "two"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = [
            "--scenarios", "noop-async", "--users", "10", "--duration", "1", "--generator-processes", "2",
            "--port", str(port), "--server-host", "127.0.0.2", "--out", str(out),
        ]  # fmt: skip
        done = subprocess.run([*LAB, *args], capture_output=True, text=True, timeout=120)
    return done, out


@pytest.mark.slow
def test_two_generator_processes_give_one_exact_cell(
    two_on_127_0_0_2: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = two_on_127_0_0_2
    assert done.returncode == 0, done.stderr
    (cell,) = _cells(out)
    assert cell["status"] == "ok" and cell["generator_processes"] == 2
    # An abandoned request may die before it reaches the server: the lab reconciles on the interval
    # requests <= server <= requests + abandoned (CI saw 11793 + 6 against 11798 served).
    assert cell["requests"] <= cell["server_requests"] <= cell["requests"] + cell["abandoned"]
    assert cell["reconciled"]
    assert 0 < cell["generator_busiest_cpu"] <= cell["generator_cpu"]


@pytest.mark.slow
@pytest.mark.serial  # a rate measured
def test_two_generator_processes_share_the_open_model_s_rate(tmp_path: Path) -> None:
    """Each Locust worker runs half the users; before --lab-rate-users each sent the whole rate on its own
    share's schedule (40 req/s asked, 58 sent)."""
    out = tmp_path / "rate"
    args = [
        "--configs", "uvicorn-single", "--scenarios", "io-async", "--rate", "40",
        "--generator-processes", "2", "--duration", "3", "--calibrate", "0", "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run([*LAB, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (cell,) = _cells(out)
    assert cell["status"] == "ok" and cell["generator_processes"] == 2 and cell["target_rps"] == 40
    assert 0.8 * 40 <= cell["rps"] <= 1.1 * 40, cell["rps"]


@pytest.mark.slow
def test_a_worker_that_dies_fails_its_cell_and_the_later_cells_fail_fast(tmp_path: Path) -> None:
    """The worker is killed one report interval (WORKER_REPORT_INTERVAL_S) and 1 s after its
    log says its users were spawned: by then it has reported requests to the master at least once (a cell
    without any is refused as unanswered before the lost worker is looked at). The master marks it missing
    4 heartbeats (s) later and stops waiting for it then: the cell's 7 s cover the kill (about 4.5 s in)
    with room to spare at no cost, as the cell lasts until the worker is missing anyway. The second cell's
    master waits 2 s for a worker that never comes (the first cell's worker, started with `lab compare`,
    has connected by the time its master, started after the server's launch, waits)."""
    out, port = tmp_path / "remote", free_port()
    args = [
        "--scenarios", "noop-async,noop-sync,io-async", "--users", "4", "--duration", "7",
        "--expect-workers", "1", "--master-bind-port", str(port), "--expect-workers-max-wait", "2",
        "--out", str(out),
    ]  # fmt: skip
    lab = subprocess.Popen([*LAB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    command = [*worker_command(get_scenario("noop-async"), "127.0.0.1", port).split(), "--loglevel", "DEBUG"]
    log = tmp_path / "worker.log"
    with log.open("wb") as written:
        worker = subprocess.Popen(command, stdout=written, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "users spawned" not in log.read_text(errors="replace"):
            time.sleep(0.05)
        assert "users spawned" in log.read_text(errors="replace"), "the first cell never started"
        time.sleep(WORKER_REPORT_INTERVAL_S + 1.0)
        assert not (out / "logs" / "uvicorn-single__noop-async__1.json").exists(), "the cell ended first"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        _, stderr = lab.communicate(timeout=120)
    finally:
        for process in (worker, lab):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
    assert lab.returncode == 1, stderr
    assert "--worker --master-host MASTER_IP" in stderr  # the command to start the workers, printed
    first, second, third = _cells(out)
    assert first["status"] == "failed" and "died or lost the master" in first["error"]
    assert second["status"] == "failed" and "fewer than 1 Locust worker(s) connected" in second["error"]
    assert third["status"] == "failed" and third["error"].startswith("not run: an earlier cell's")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--generator-processes", "0"], "at least 1"),
        (["--generator-processes", "2", "--expect-workers", "2"], "one or the other"),
        (["--expect-workers", "1", "--master-bind-host", "somewhere"], "not an IP address"),
        (["--expect-workers", "1", "--expect-workers-max-wait", "0"], "between 1 and 600"),
        (["--expect-workers", "1", "--master-bind-port", "0"], "between 1 and 65535"),
    ],
)
def test_bad_generator_flags_are_refused(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """In this process (the exit status end to end: tests/commands/test_compare.py)."""
    assert message in refused(capsys, *LAB[3:], *args, "--out", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


OLD_SPELLINGS = [
    ("--master-bind", "--master-bind-host", "0.0.0.0", "master_bind", "0.0.0.0"),
    ("--master-port", "--master-bind-port", "6000", "master_port", 6000),
    ("--workers-wait", "--expect-workers-max-wait", "7", "workers_wait", 7.0),
]


@pytest.mark.parametrize(("old", "new", "value", "dest", "parsed"), OLD_SPELLINGS)
def test_locusts_own_names_and_the_old_spellings_with_a_warning(
    old: str, new: str, value: str, dest: str, parsed: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """Locust's names for the master's flags (issue 26 §3); the lab's first ones, one release more."""
    from lab.cli import build_parser

    parser = build_parser()
    assert getattr(parser.parse_args(["compare", new, value]), dest) == parsed
    assert capsys.readouterr().err == ""
    assert getattr(parser.parse_args(["compare", old, value]), dest) == parsed
    assert capsys.readouterr().err == (
        f"lab: warning: {old} is deprecated, use {new}; the old spelling goes in the next release\n"
    )


def test_an_old_spelling_is_refused_as_the_new_one_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        capsys, *LAB[3:], "--expect-workers", "1", "--workers-wait", "0", "--out", str(tmp_path / "x")
    )
    assert "--workers-wait is deprecated, use --expect-workers-max-wait" in err
    assert "--expect-workers-max-wait 0: must be between 1 and 600 seconds" in err


@pytest.mark.slow
def test_server_host_is_where_the_servers_bind_and_locust_sends(
    two_on_127_0_0_2: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """--server-host 127.0.0.2 (loopback still): with 127.0.0.1:PORT taken, the cell can only run there."""
    done, out = two_on_127_0_0_2
    assert done.returncode == 0, done.stderr
    (cell,) = _cells(out)
    assert cell["status"] == "ok" and cell["requests"] > 0 and cell["reconciled"]


def test_server_host_must_be_loopback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(capsys, "compare", "--server-host", "0.0.0.0", "--out", str(tmp_path / "x"))
    assert "--server-host 0.0.0.0" in err and not (tmp_path / "x").exists()
