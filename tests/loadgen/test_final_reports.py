"""A Locust master with two workers (`--processes 2`), run for real: a worker whose final report comes late is
waited for and counted; a worker killed during the test is still reported lost, and the master's wait for
it is bounded.

The two runs need no server and count, not time (the bound is minutes of Locust's own against seconds):
one module fixture runs them side by side, a distributed Locust's fixed cost (the master's 1 s polls for
its workers, its quit) paid once."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.locust_support import LocustProcess, LocustResult, Sample

pytestmark = [pytest.mark.slow, pytest.mark.serial]

# Users that count without a server; a worker that answers "quit" late (its test_stop listener sleeps
# LATE_S) and writes, as it exits, how many requests it made.
LOCUSTFILE = """
import os
import gevent
from locust import User, constant, events, task
from locust.runners import WorkerRunner
import lab.loadgen.metrics  # noqa: F401

class Ticker(User):
    wait_time = constant(0.02)

    @task
    def tick(self):
        self.environment.events.request.fire(
            request_type="GET", name="/tick", response_time=1.0, response_length=0, exception=None, context={}
        )

@events.test_stop.add_listener
def _late(environment, **_kw):
    if isinstance(environment.runner, WorkerRunner):
        gevent.sleep(float(os.environ["LATE_S"]))

made = []

@events.request.add_listener
def _count(**_kw):
    made.append(1)

@events.quitting.add_listener
def _write(environment, **_kw):
    if isinstance(environment.runner, WorkerRunner):
        with open(os.path.join(os.environ["MADE_DIR"], str(os.getpid())), "w") as f:
            f.write(str(len(made)))
"""

LATE_S = 1.5  # three times the 0.5 s Locust's own quit waits
BOUND_S = 5  # lab.loadgen.final_reports.FINAL_REPORT_WAIT_S (importing it would import Locust here)


RUN_S = 1  # the users only need to have counted: the final reports, not the run, are under test


def _run(tmp_path: Path, run_time: int, late_s: float) -> LocustProcess:
    (tmp_path / "made").mkdir(parents=True)
    (tmp_path / "ticker.py").write_text(LOCUSTFILE)
    return LocustProcess(
        [tmp_path / "ticker.py"],
        host="http://127.0.0.1:9",  # never asked: the users count without a server
        out_dir=tmp_path,
        users=4,
        run_time=run_time,
        processes=2,
        args=["--stop-timeout", "0"],
        env={"LATE_S": str(late_s), "MADE_DIR": str(tmp_path / "made")},
    )


def _lost(metrics: list[Sample]) -> list[str]:
    return [labels["worker"] for name, labels, _ in metrics if name == "locust_worker_lost"]


@dataclass
class Runs:
    late: LocustResult  # every worker's final report LATE_S late
    late_made: list[int]  # requests each worker of that run made, written as it exited
    killed: LocustResult  # one worker SIGKILLed once the test started
    victim: str  # its id, as Locust names workers
    took: float  # seconds from the kill to the master's exit


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Both runs at once (two masters, four workers, no server): the killed run's clock starts at its kill."""
    late_dir, killed_dir = tmp_path_factory.mktemp("late"), tmp_path_factory.mktemp("killed")
    with (
        _run(late_dir, run_time=RUN_S, late_s=LATE_S) as late_run,
        _run(killed_dir, run_time=RUN_S, late_s=0) as run,
    ):
        deadline = time.monotonic() + 30
        while "Sending spawn jobs" not in run.log():  # the test started
            assert time.monotonic() < deadline, run.log()
            time.sleep(0.05)
        assert run.process is not None
        victim = psutil.Process(run.process.pid).children()[0]
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        killed_result = run.wait()
        took = time.monotonic() - killed
        late = late_run.wait()
    made = [int(f.read_text()) for f in (late_dir / "made").iterdir()]
    yield Runs(late, made, killed_result, f"{socket.gethostname()}:{victim.pid}", took)


def test_a_late_final_report_is_waited_for_and_counted(runs: Runs) -> None:
    result = runs.late
    assert result.returncode == 0, result.log
    assert _lost(result.metrics) == [], result.log
    workers = [labels for n, labels, _ in result.metrics if n == "locust_process_cpu_seconds_total"]
    assert sorted(w["role"] for w in workers) == ["master", "worker", "worker"]
    # Every request the two workers made reached the master, in Locust's statistics and the exporter's.
    made = runs.late_made
    assert len(made) == 2 and all(made), made
    exported = result.metric("locust_requests_total", name="/tick")
    assert exported == result.locust_requests("/tick") == sum(made), (made, result.log)


def test_a_killed_worker_is_still_lost_and_not_waited_for_long(runs: Runs) -> None:
    result = runs.killed
    assert _lost(result.metrics) == [runs.victim], result.log
    # The master waited for the dead worker at most the bound, not Locust's 60 s heartbeat expiry.
    assert runs.took < RUN_S + BOUND_S + 10, result.log
