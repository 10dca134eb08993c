"""One cell's measurement, the only one: `lab compare` and `lab claims` both call `measure`.

Warm up (not counted), wait until the server has finished every request (what Locust abandoned before
must not leak into this window), watch the server's /metrics and its CPU from outside while Locust runs
headless, then finish the window once the server has served what Locust abandoned at the stop.

Each Locust process is started ahead, held at a gate (lab.loadgen.gate): the measured run's while the
warm-up runs, both while a server just launched starts. A Locust process spends a second or two starting
(imports), and that start-up no longer adds to the cell; what each run measures starts at its gate.

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

    `server` may be launched and not ready yet (`Server.launch`): Locust starts meanwhile. `alongside`
    runs for exactly the measured run (e.g. a prober timing other requests meanwhile); `generator` says
    how many Locust processes send, and where (default: one, here)."""
    with contextlib.ExitStack() as started:
        warmup, run = _start(server, load, out, tags, cpus, generator)
        for locust in (warmup, run):
            if locust is not None:
                started.callback(locust.stop)  # whatever happens: none is left behind
        server.wait_ready()  # a server just launched started meanwhile, as Locust did
        if warmup is not None:
            # Only failures to run count; a queue so long that nothing is answered yet is fine.
            with contextlib.suppress(headless.NoAnswerError):
                warmup.run()
        check_alive(server)
        if run is None:  # not started ahead: another Locust master would have held its port
            run = _locust(server, load, load.seconds, out, tags, cpus, generator, gated=False)
            started.callback(run.stop)
        return _measured(server, load, run, alongside)


def _start(
    server: Server | Running, load: Load, out: Path, tags: dict[str, str], cpus: list[int] | None,
    generator: Generator | None,
) -> tuple[headless.Started | None, headless.Started | None]:  # fmt: skip
    """The warm-up's Locust and the measured run's, both held at their gates: their start-ups overlap the
    server's and each other's. The measured run's only when it has no master port to share with the
    warm-up's (one local process); else None, started when the warm-up is over."""
    warmup = None
    if load.warmup_s > 0:
        prefix = out.with_name(out.name + "-warmup")
        warmup = _locust(server, load, load.warmup_s, prefix, tags, cpus, generator)
    if warmup is not None and not (generator or Generator()).single:
        return warmup, None
    try:
        return warmup, _locust(server, load, load.seconds, out, tags, cpus, generator)
    except BaseException:
        if warmup is not None:
            warmup.stop()
        raise


def _locust(
    server: Server | Running, load: Load, seconds: float, out: Path, tags: dict[str, str],
    cpus: list[int] | None, generator: Generator | None, gated: bool = True,
) -> headless.Started:  # fmt: skip
    return headless.start(
        load.scenario, server.url, users=load.users, seconds=seconds, out=out, params=load.options,
        tags=tags, cpus=cpus, generator=generator, gated=gated,
    )  # fmt: skip


def _measured(
    server: Server | Running,
    load: Load,
    run: headless.Started,
    alongside: AbstractContextManager[object] | None,
) -> Measurement:
    """The measured run: the server drained and watched from outside, `run`'s gate opened meanwhile."""
    metrics_url = server.metrics_url
    watcher = None if metrics_url is None else _watch(server, metrics_url, load.scenario.handler)
    result: headless.LoadResult | None = None
    window = None
    with (
        MachineCpu() as machine,
        alongside if alongside is not None else contextlib.nullcontext(),
    ):
        try:
            result = run.run()
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
