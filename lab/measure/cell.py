"""One cell's measurement, the only one: `lab compare` and `lab claims` both call `measure`.

Warm up (not counted), wait until the server has finished every request (what Locust abandoned before
must not leak into this window), watch the server's /metrics and its CPU from outside while Locust runs
headless, then finish the window once the server has served what Locust abandoned at the stop.

A running service the lab did not start (`lab run`, lab.runtime.service) is watched the same way through
its --metrics-url; without one, the cell has Locust's side only (`window` None).
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lab.measure import scrape
from lab.measure.machine import MachineCpu, usable_cores
from lab.runtime import headless
from lab.runtime.generator import Generator
from lab.runtime.launcher import Server
from lab.runtime.service import Running
from lab.shared.scenarios import Scenario


class MeasureError(RuntimeError):
    """The cell could not be measured: the server died, did not drain, or stopped answering."""


@dataclass(frozen=True)
class Load:
    """What a cell sends: `users` closed-loop users of `scenario` for `seconds`, after `warmup_s`."""

    scenario: Scenario
    users: int
    seconds: float
    options: dict[str, str] = field(default_factory=dict)  # Locust custom arguments, e.g. --io-ms 100
    warmup_s: float = 0.0


@dataclass(frozen=True)
class Measurement:
    load: headless.LoadResult  # Locust's side
    window: scrape.ServerWindow | None  # the server's side; None: a running service without --metrics-url
    machine_busy_cores: float | None = None  # every process of the machine, while the users were sending

    def usable_cores(self, cores: int, pinned: bool) -> float:
        """The cores the server could use (issue 21 §2): all of its own when pinned; else the machine's
        less what Locust used while the users were sending. The machine's other processes are not taken
        off: the scheduler shares the cores with them, and whether the server lost any to them cannot be
        told from their use (on a saturated machine it would always be all the server did not use)."""
        return float(cores) if pinned else usable_cores(cores, self.load.generator_cpu)

    @property
    def other_cores(self) -> float | None:
        """The cores the machine's other processes (not the server, not Locust) used meanwhile."""
        if self.machine_busy_cores is None:
            return None
        server = (self.window.cores or 0.0) if self.window is not None else 0.0
        return max(self.machine_busy_cores - server - self.load.generator_cpu, 0.0)


def check_alive(server: Server | Running) -> None:
    if not server.alive():
        code = server.process.returncode if server.process else "?"
        raise MeasureError(f"the server ({server.config.server}) exited with code {code} during the cell")


def measure(
    server: Server | Running,
    load: Load,
    *,
    out: Path,
    tags: dict[str, str],
    cpus: list[int] | None = None,
    alongside: AbstractContextManager[object] | None = None,
    generator: Generator | None = None,
) -> Measurement:
    """Measure `load` against `server`; Locust's files go next to `out` (a path prefix).

    `alongside` runs for exactly the measured run (e.g. a prober timing other requests meanwhile);
    `generator` says how many Locust processes send, and where (default: one, here)."""
    scenario = load.scenario
    if load.warmup_s > 0:
        # Only failures to run count; a queue so long that nothing is answered yet is fine.
        with contextlib.suppress(headless.NoAnswerError):
            headless.run(
                scenario, server.url, users=load.users, seconds=load.warmup_s,
                out=out.with_name(out.name + "-warmup"), params=load.options, tags=tags, cpus=cpus,
                generator=generator,
            )  # fmt: skip
    check_alive(server)
    metrics_url = server.metrics_url
    watcher = None if metrics_url is None else _watch(server, metrics_url, scenario.handler)
    result: headless.LoadResult | None = None
    window = None
    with (
        MachineCpu() as machine,
        alongside if alongside is not None else contextlib.nullcontext(),
    ):
        try:
            result = headless.run(
                scenario, server.url, users=load.users, seconds=load.seconds, out=out,
                params=load.options, tags=tags, cpus=cpus, generator=generator,
            )  # fmt: skip
        finally:
            check_alive(server)
            try:
                window = watcher.finish(result.window if result else None) if watcher else None
            except httpx.HTTPError as exc:
                raise MeasureError(f"the server stopped answering {metrics_url}: {exc}") from None
    assert result is not None
    return Measurement(result, window, machine.busy_cores(result.window))


def _watch(server: Server | Running, metrics_url: str, handler: str | None) -> scrape.Watcher:
    """The server drained of what an earlier run left, then watched from its first read."""
    try:
        if not scrape.drain(metrics_url):
            raise MeasureError(f"{server.config.name} still had requests in flight after 60 s")
        watcher = scrape.Watcher(
            metrics_url, handler, server_pid=server.process.pid if server.process else None
        )
    except httpx.HTTPError as exc:
        raise MeasureError(f"the server's metrics at {metrics_url} could not be read: {exc}") from None
    watcher.start()
    return watcher
