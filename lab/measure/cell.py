"""One cell's measurement, the only one: `lab compare` and `lab claims` both call `measure`.

Warm up (not counted), wait until the server has finished every request (what Locust abandoned before
must not leak into this window), watch the server's /metrics and its CPU from outside while Locust runs
headless, then finish the window once the server has served what Locust abandoned at the stop.

Each Locust process is started ahead, held at a gate (lab.loadgen.gate): the measured run's while the
warm-up runs, both while a server just launched starts, and a caller may start a next load's meanwhile
(`Locusts`). A Locust process spends a second or two starting (imports), and that start-up no longer adds
to the cell; what each run measures starts at its gate, and no other Locust is starting up meanwhile.

A running service the lab did not start (`lab run`, lab.runtime.service) is watched the same way through
its --metrics-url; without one, the cell has Locust's side only (`window` None).
"""

from __future__ import annotations

import contextlib
import functools
import time
import weakref
from collections.abc import Callable, Sequence
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

START_UP_MAX_S = 60.0  # a Locust started ahead still starting after this is left to start meanwhile

# Each launched server's last read that found it drained (its pid then, and the read): the next cell's
# drain starts from it, so a server sent nothing since (no warm-up) is drained after one read, not two.
_DRAINED: weakref.WeakKeyDictionary[Server, tuple[int | None, scrape.Read]] = weakref.WeakKeyDictionary()


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


class Locusts:
    """A load's Locust processes, started ahead and held at their gates (lab.loadgen.gate): the warm-up's,
    and the measured run's when it has no master port to share with the warm-up's (one local process;
    else it starts once the warm-up is over). Their start-ups overlap the server's, and whatever runs
    before; `stop()` leaves none behind, used or not."""

    def __init__(
        self, server: Server | Running, load: Load, *, out: Path, tags: dict[str, str],
        cpus: list[int] | None = None, generator: Generator | None = None,
    ) -> None:  # fmt: skip
        self.load, self.out = load, out
        self._start = functools.partial(
            headless.start, load.scenario, server.url, users=load.users, params=load.options, tags=tags,
            cpus=cpus, generator=generator,
        )  # fmt: skip
        self.warmup: headless.Started | None = None
        self.run: headless.Started | None = None
        try:
            if load.warmup_s > 0:
                prefix = out.with_name(out.name + "-warmup")
                self.warmup = self._start(seconds=load.warmup_s, out=prefix, gated=True)
            if self.warmup is None or (generator or Generator()).single:
                self.run = self._start(seconds=load.seconds, out=out, gated=True)
        except BaseException:
            self.stop()
            raise

    def measured(self) -> headless.Started:
        """The measured run's Locust: the one started ahead, else one started now."""
        if self.run is None:
            self.run = self._start(seconds=self.load.seconds, out=self.out, gated=False)
        return self.run

    def started_up(self) -> bool:
        return all(locust.started_up() for locust in (self.warmup, self.run) if locust is not None)

    def stop(self) -> None:
        for locust in (self.warmup, self.run):
            if locust is not None:
                locust.stop()


def measure(
    server: Server | Running,
    load: Load,
    *,
    out: Path,
    tags: dict[str, str],
    cpus: list[int] | None = None,
    alongside: AbstractContextManager[object] | None = None,
    generator: Generator | None = None,
    locusts: Locusts | None = None,
    quiet: Sequence[Locusts] = (),
    then: Callable[[], Locusts | None] | None = None,
) -> Measurement:
    """Measure `load` against `server`; Locust's files go next to `out` (a path prefix).

    `server` may be launched and not ready yet (`Server.launch`): Locust starts meanwhile. `alongside`
    runs for exactly the measured run (e.g. a prober timing other requests meanwhile); `generator` says
    how many Locust processes send, and where (default: one, here). `locusts`: this load's, started ahead
    by the caller (else started here); `quiet`: other loads' started ahead, whose start-ups must be over
    before the measured run (their CPU would be counted as the machine's). `then` may start a next run's
    Locusts: called as the warm-up starts, when there is one (their start-up must be over before the
    measured run, as `quiet`'s), else once the measured run's Locust has exited, before the last drain."""
    with contextlib.ExitStack() as stack:
        if locusts is None:
            locusts = Locusts(server, load, out=out, tags=tags, cpus=cpus, generator=generator)
        stack.callback(locusts.stop)  # whatever happens: none is left behind
        server.wait_ready()  # a server just launched started meanwhile, as Locust did
        early = then() if then is not None and locusts.warmup is not None else None  # not ours to stop
        if locusts.warmup is not None:
            # Only failures to run count; a queue so long that nothing is answered yet is fine.
            with contextlib.suppress(headless.NoAnswerError):
                locusts.warmup.run()
        check_alive(server)
        run = locusts.measured()
        _started_up([*quiet, *([early] if early is not None else [])])
        return _measured(server, load, run, alongside, then if locusts.warmup is None else None)


def _started_up(others: Sequence[Locusts], timeout_s: float = START_UP_MAX_S) -> None:
    """Until every Locust of `others` waits at its gate (or has exited), at most `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not all(o.started_up() for o in others) and time.monotonic() < deadline:
        time.sleep(0.02)


def _measured(
    server: Server | Running,
    load: Load,
    run: headless.Started,
    alongside: AbstractContextManager[object] | None,
    then: Callable[[], object] | None = None,
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
            if then is not None:
                then()  # the users have stopped: what starts now is outside the measured window
        finally:
            check_alive(server)
            try:
                window = watcher.finish(result.window if result else None) if watcher else None
            except httpx.HTTPError as exc:
                raise MeasureError(f"the server stopped answering {metrics_url}: {exc}") from None
            if watcher is not None and watcher.drained_read is not None and isinstance(server, Server):
                _DRAINED[server] = (_pid(server), watcher.drained_read)
    assert result is not None
    return Measurement(result, window, machine.busy_cores(result.window))


def _pid(server: Server | Running) -> int | None:
    return server.process.pid if server.process else None


def _watch(server: Server | Running, metrics_url: str, handler: str | None) -> scrape.Watcher:
    """The server drained of what an earlier run left, then watched from its first read."""
    try:
        known = _DRAINED.get(server) if isinstance(server, Server) else None
        since = known[1] if known is not None and known[0] == _pid(server) else None
        drained, first = scrape.settle(metrics_url, since=since)
        if not drained:
            raise MeasureError(f"{server.config.name} still had requests in flight after 60 s")
        pid = _pid(server)
        watcher = scrape.Watcher(metrics_url, handler, server_pid=pid, first=first)
    except httpx.HTTPError as exc:
        raise MeasureError(f"the server's metrics at {metrics_url} could not be read: {exc}") from None
    watcher.start()
    return watcher
