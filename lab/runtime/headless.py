"""One headless Locust run of one scenario, bounded in time, and what it measured.

`run` starts Locust and waits for it; `start(..., gated=True)` starts it ahead, its test held at a gate
(lab.loadgen.gate) until `Started.run()`: its start-up then overlaps what runs before (lab.measure.cell).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from lab.runtime import latency
from lab.runtime.generator import Generator, TreeCpu, lost_reason, workers_missing
from lab.runtime.latency import Latency
from lab.runtime.locust_stats import (
    NameStats,
    Samples,
    StatsEntry,
    abandoned,
    aggregate,
    failure_codes,
    history,
    lost_workers,
    mean_ms,
    per_name,
    snapshot_of,
    value_of,
    window_of,
)  # fmt: skip
from lab.runtime.procs import Child
from lab.shared import metric_names
from lab.shared.gate import OPEN_SIGNAL, ready_marker
from lab.shared.latency import LatencyFrom
from lab.shared.scenarios import EXPORTER_PLUGIN, Scenario
from lab.shared.timeline import HistoryPoint


class LoadError(RuntimeError):
    """Locust could not run or wrote no statistics; the message carries its last lines of output."""


class NoAnswerError(LoadError):
    """Locust ran, but no request was answered within the run."""


class WorkersMissingError(LoadError):
    """Locust's master gave up waiting for the workers started elsewhere."""


@dataclass
class LoadResult:
    requests: int
    failures: int
    duration_s: float
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    generator_cpu: float  # cores used by Locust on average over the run, all its local processes
    generator_saturated: bool  # a Locust process passed 90% of a core
    window: tuple[float, float]  # unix times the test started and stopped (users sending)
    abandoned: int = 0  # in flight when Locust stopped its users: never in `requests`, maybe served
    history: list[HistoryPoint] = field(default_factory=list)  # per second, for the cell's request name
    mean_ms: float | None = None  # mean response time of the requests counted in `requests`
    names: list[NameStats] = field(default_factory=list)  # every request name of the run, for any scenario
    generator_processes: int = 1  # Locust processes that sent the load (workers, when there is a master)
    generator_busiest_cpu: float = 0.0  # cores used by the busiest local Locust process
    failure_codes: dict[str, int] = field(default_factory=dict)  # failures by status ("404") or error
    think_ms: float = 0.0  # mean time between a response and the same user's next request (lab.loadgen.think)
    max_ms: float | None = None  # the slowest request counted in `requests`
    # Exact percentiles (lab.loadgen.latency): from the schedule in the open model, with the uncorrected
    # ones (from the send) beside them; the whole distribution as a .hgrm file's text (`hgrm`).
    latency_from: LatencyFrom = "send"
    p50_ms_uncorrected: float | None = None
    p95_ms_uncorrected: float | None = None
    p99_ms_uncorrected: float | None = None
    exact: Latency | None = field(default=None, repr=False, compare=False)

    @property
    def hgrm(self) -> str:
        return self.exact.hgrm if self.exact is not None else ""


def command(
    scenario: Scenario,
    url: str,
    users: int,
    seconds: float,
    out: Path,
    params: dict[str, str],
    tags: dict[str, str],
    generator: Generator | None = None,
    gate: Path | None = None,
) -> list[str]:
    # The exporter comes as a second locustfile, so that any user's file is measured without importing it;
    # it comes last, so that Locust names the run after the scenario's file.
    args = [
        sys.executable, "-m", "locust", "-f", f"{scenario.path},{EXPORTER_PLUGIN}", scenario.user_class,
        "--headless", "--host", url, "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{max(1, round(seconds))}s", "--stop-timeout", "0",
        "--json-file", str(out), "--csv", str(out), "--csv-full-history",
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        "--metrics-port", "0", "--metrics-snapshot", f"{out}.prom",
        "--lab-config", tags.get("config", ""), "--run-id", tags.get("run_id", ""),
        *(generator or Generator()).arguments(),
        *(["--lab-start-gate", str(gate)] if gate is not None else []),
    ]  # fmt: skip
    for option, value in [*scenario.options, *params.items()]:
        args += [option, value]
    return args


@dataclass
class Started:
    """A headless Locust process, started (`start`); `run()` opens its gate, if it has one, and waits for
    its result. Started ahead, it spends its start-up while something else runs (lab.loadgen.gate)."""

    scenario: Scenario
    out: Path
    seconds: float
    generator: Generator
    locust: Child
    cpu: TreeCpu  # its process tree's, read from outside
    gate: Path | None = None  # the file that starts its test; None: it started sending at once

    def run(self) -> LoadResult:
        """Open the gate, wait until Locust exits (its tree's CPU sampled meanwhile), read what it wrote."""
        try:
            if self.gate is not None:
                _open(self.gate, self.locust)
            # Within the run time, its stop and a generous start-up; its tree's CPU sampled meanwhile.
            limit = self.seconds + 60 + self.generator.start_up_s()
            assert self.locust.process is not None
            returncode = self.cpu.until_exit(self.locust.process, limit)
            if returncode is None:
                raise LoadError(f"Locust did not stop within {limit:.0f} s")
        finally:
            self.stop()
        assert self.locust.log is not None
        entries = _entries(self.out, self.locust.log, returncode, self.generator)
        handler = self.scenario.handler
        entry = next((e for e in entries if e["name"] == handler), None) if handler else None
        if entry is None and entries:
            entry = aggregate(entries)
        if entry is None or not entry.get("num_requests"):
            raise NoAnswerError(
                f"no request was answered within the {self.seconds:.0f} s run (is the server answering, or "
                "does one response take longer than the run?)"
            )
        return _result(self.scenario, self.out, entries, entry, self.cpu, self.generator)

    def started_up(self) -> bool:
        """Whether it waits at its gate (its start-up is over), or has exited; not gated: True."""
        return self.gate is None or ready_marker(self.gate).exists() or not self.locust.alive()

    def stop(self) -> None:
        """Locust's whole tree (a no-op once it has exited), and its gate."""
        self.locust.stop()
        if self.gate is not None:
            self.gate.unlink(missing_ok=True)
            ready_marker(self.gate).unlink(missing_ok=True)


def start(
    scenario: Scenario,
    url: str,
    *,
    users: int,
    seconds: float,
    out: Path,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    cpus: list[int] | None = None,
    generator: Generator | None = None,
    gated: bool = False,
) -> Started:
    """Start Locust headless against `url` for `seconds`, files next to `out` (a path prefix); `gated`: its
    test waits for `Started.run()`, which the caller must call or `stop()`."""
    generator = generator or Generator()
    out.parent.mkdir(parents=True, exist_ok=True)
    log, gate = out.with_suffix(".log"), out.with_name(out.name + ".gate") if gated else None
    for stale in (log, gate, ready_marker(gate) if gate else None):
        if stale is not None:
            stale.unlink(missing_ok=True)
    cmd = command(scenario, url, users, seconds, out, params or {}, tags or {}, generator, gate)
    locust = Child(log)
    locust.what = "Locust"
    locust.spawn(cmd, cpus=cpus)
    assert locust.process is not None  # not reaped yet: its pid is still its own
    return Started(
        scenario, out, seconds, generator, locust, TreeCpu(psutil.Process(locust.process.pid)), gate
    )


def run(
    scenario: Scenario,
    url: str,
    *,
    users: int,
    seconds: float,
    out: Path,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    cpus: list[int] | None = None,
    generator: Generator | None = None,
) -> LoadResult:
    """Run Locust headless against `url` for `seconds`; files are written next to `out` (a path prefix)."""
    return start(
        scenario, url, users=users, seconds=seconds, out=out, params=params, tags=tags, cpus=cpus,
        generator=generator,
    ).run()  # fmt: skip


def _open(gate: Path, locust: Child) -> None:
    """Start a gated Locust's test: the gate, and a signal if it waits there already (lab.loadgen.gate)."""
    gate.touch()
    if ready_marker(gate).exists() and locust.process is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(locust.process.pid, OPEN_SIGNAL)


def _entries(out: Path, log: Path, returncode: int | None, generator: Generator) -> list[StatsEntry]:
    """Locust's --json-file, or why there is none (workers that never came, or the log's tail)."""
    json_path = Path(f"{out}.json") if out.suffix != ".json" else out
    try:
        entries: list[StatsEntry] = json.loads(json_path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        text = log.read_text(errors="replace")
        if missing := workers_missing(text, generator):
            raise WorkersMissingError(missing) from None
        tail = "\n    ".join(text.strip().splitlines()[-10:])
        raise LoadError(
            f"Locust exited with code {returncode} and wrote no statistics:\n    {tail}"
        ) from None
    return entries


def _result(
    scenario: Scenario,
    out: Path,
    entries: list[StatsEntry],
    entry: StatsEntry,
    cpu: TreeCpu,
    generator: Generator,
) -> LoadResult:
    # Locust's own start_time is that of the first *answered* request; the test's start and stop times
    # (from the lab's exporter) bound the window in which users were sending, as Little's law needs.
    snapshot = snapshot_of(Path(f"{out}.prom"))
    window = window_of(snapshot)
    if window is None:
        raise LoadError(f"Locust wrote no metrics snapshot (is {EXPORTER_PLUGIN} loaded?)")
    if lost := lost_reason(lost_workers(snapshot), window):
        raise LoadError(lost)
    exact = latency.read(Path(f"{out}_latency.json"), scenario.handler)
    if exact is None:
        raise LoadError(f"Locust wrote no latency histograms (is {EXPORTER_PLUGIN} loaded?)")
    duration = max(1e-9, window[1] - window[0])
    shares = cpu.shares(*window)
    busiest = max(shares.values(), default=0.0)
    return LoadResult(
        requests=int(entry["num_requests"]),
        failures=int(entry["num_failures"]),
        duration_s=duration,
        rps=entry["num_requests"] / duration,
        p50_ms=exact.p50_ms,
        p95_ms=exact.p95_ms,
        p99_ms=exact.p99_ms,
        generator_cpu=sum(shares.values()),
        # From outside for the local processes; the exporter's own flag covers workers elsewhere.
        generator_saturated=busiest >= 0.9 or value_of(snapshot, metric_names.LOCUST_CPU_SATURATED) == 1,
        window=window,
        abandoned=abandoned(snapshot, scenario.handler),
        history=history(Path(f"{out}_stats_history.csv"), scenario.handler or "Aggregated"),
        mean_ms=mean_ms(entry),
        names=per_name(entries, snapshot),
        generator_processes=generator.sending,
        generator_busiest_cpu=busiest,
        failure_codes=failure_codes(Path(f"{out}_failures.json"), scenario.handler),
        think_ms=_think_ms(snapshot),
        max_ms=entry.get("max_response_time"),
        latency_from=exact.latency_from,
        p50_ms_uncorrected=exact.p50_ms_uncorrected,
        p95_ms_uncorrected=exact.p95_ms_uncorrected,
        p99_ms_uncorrected=exact.p99_ms_uncorrected,
        exact=exact,
    )


def _think_ms(snapshot: Samples) -> float:
    """The mean measured think time, 0 without any gap (a user's first request has none)."""
    count = value_of(snapshot, metric_names.LOCUST_THINK + "_count") or 0.0
    return (value_of(snapshot, metric_names.LOCUST_THINK + "_sum") or 0.0) / count * 1000 if count else 0.0
