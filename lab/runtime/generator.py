"""How Locust generates a cell's load (issue 13): one process, a master with local workers, or a master
waiting for workers started on other machines; and the CPU of each of its local processes.

One Locust process drives at most about one core (gevent: one thread). `processes` > 1 runs Locust's own
`--processes N`: a master that only aggregates and N forked workers that send, on the cores Locust is
pinned to. `expect_workers` > 0 runs a master bound to `master_bind` that waits, at most `workers_wait_s`,
for that many workers started elsewhere (docs/compare.md, "Workers on other machines"). The lab's exporter
sums the workers' counts on the master either way, so a cell's counts stay exact.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from dataclasses import dataclass, field

import psutil

from lab.shared.scenarios import EXPORTER_PLUGIN, Scenario

DEFAULT_MASTER_PORT = 5557  # Locust's own default
WORKERS_WAIT_S = 30.0
SAMPLE_S = 0.2  # a Locust process tree's CPU, read from outside while it runs


@dataclass(frozen=True)
class Generator:
    processes: int = 1  # local Locust processes sending load; > 1: a master and that many workers
    expect_workers: int = 0  # > 0: workers started elsewhere; no local worker then
    master_bind: str = "127.0.0.1"
    master_port: int = DEFAULT_MASTER_PORT
    workers_wait_s: float = WORKERS_WAIT_S

    @property
    def sending(self) -> int:
        """The processes that send the load: recorded in each cell as `generator_processes`."""
        return self.expect_workers or self.processes

    @property
    def single(self) -> bool:
        """One local process, no master: two such Locust processes may run at once (a master binds a port)."""
        return self.processes <= 1 and not self.expect_workers

    def arguments(self) -> list[str]:
        """Locust's options for this generator (none for one local process)."""
        if self.expect_workers:
            return [
                "--master", "--expect-workers", str(self.expect_workers),
                "--expect-workers-max-wait", str(max(1, round(self.workers_wait_s))),
                "--master-bind-host", self.master_bind, "--master-bind-port", str(self.master_port),
            ]  # fmt: skip
        return ["--processes", str(self.processes)] if self.processes > 1 else []

    def start_up_s(self) -> float:
        """Seconds Locust may spend before its test starts, on top of its imports."""
        return self.workers_wait_s if self.expect_workers else 0.0


def worker_command(scenario: Scenario, master_host: str, master_port: int = DEFAULT_MASTER_PORT) -> str:
    """The command that starts one worker for `scenario` on another machine with the lab installed.

    The paths are this machine's; on the worker machine the same files sit in its own installed lab:
    `python -c "import lab.shared.scenarios as s; print(s.LOCUSTFILES)"` prints where."""
    return (
        f"{sys.executable} -m locust -f {scenario.path},{EXPORTER_PLUGIN} --worker "
        f"--master-host {master_host} --master-port {master_port}"
    )


def waiting_note(generator: Generator, scenario: Scenario) -> str:
    """What `lab compare` prints at the start when it expects workers started elsewhere."""
    command = worker_command(scenario, "MASTER_IP", generator.master_port)
    return (
        f"waiting for {generator.expect_workers} Locust worker(s) on {generator.master_bind}:"
        f"{generator.master_port} at each run, for at most {generator.workers_wait_s:.0f} s; a Locust "
        f"master's exit stops its workers, so start each in a loop, e.g.:\n"
        f"  while true; do {command}; sleep 1; done"
    )


def workers_missing(log_text: str, generator: Generator) -> str | None:
    """Why Locust stopped before its test, when it gave up waiting for workers started elsewhere."""
    if not generator.expect_workers or "Gave up waiting for workers" not in log_text:
        return None
    return (
        f"fewer than {generator.expect_workers} Locust worker(s) connected to "
        f"{generator.master_bind}:{generator.master_port} within {generator.workers_wait_s:.0f} s "
        "(start them with the command `lab compare` printed at the start; each run of a cell needs them "
        "anew, as a Locust master's exit stops its workers)"
    )


def lost_reason(lost: dict[str, float], window: tuple[float, float]) -> str | None:
    """Why a cell's counts are incomplete when workers stopped reporting during it."""
    if not lost:
        return None
    start = window[0]
    parts = ", ".join(
        f"{worker} (last report {at - start:.1f} s into the cell)" for worker, at in lost.items()
    )
    return (
        f"Locust worker(s) died or lost the master during the cell: {parts}; what they counted since "
        "their last report is missing, so the cell's counts are not exact"
    )


@dataclass
class TreeCpu:
    """CPU seconds of a Locust process and its children (local workers), sampled from outside."""

    root: psutil.Process
    samples: dict[int, list[tuple[float, float]]] = field(default_factory=dict)  # pid -> (unix time, s)

    def sample(self) -> None:
        with contextlib.suppress(psutil.Error):
            for process in [self.root, *self.root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    self.samples.setdefault(process.pid, []).append((time.time(), times.user + times.system))

    def until_exit(self, process: subprocess.Popen[bytes], limit_s: float) -> int | None:
        """Sample every SAMPLE_S until `process` exits (its return code, noticed at once), None after
        `limit_s` seconds."""
        deadline = time.monotonic() + limit_s
        while True:
            self.sample()
            with contextlib.suppress(subprocess.TimeoutExpired):
                return process.wait(timeout=SAMPLE_S)
            if time.monotonic() > deadline:
                return None

    def shares(self, start: float, end: float) -> dict[int, float]:
        """Cores each process used while the test ran (start-up, mostly imports, left out)."""
        found = {}
        for pid, samples in self.samples.items():
            window = [(t, c) for t, c in samples if start <= t <= end + 0.2]
            if len(window) >= 2:
                (t0, c0), (t1, c1) = window[0], window[-1]
                found[pid] = (c1 - c0) / max(t1 - t0, 1e-9)
        return found
