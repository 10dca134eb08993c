"""One run of a cell as summary.json records it: Locust's side and the server's, reconciled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

from lab.compare import little
from lab.compare.handlers import Breakdown
from lab.compare.results.measured import Measured
from lab.measure.cell import Measurement
from lab.measure.scrape import ServerWindow
from lab.shared.scenarios import Scenario
from lab.shared.timeline import CellSeries
from lab.stats.bootstrap import mean_ci

Detail = tuple[CellSeries, str]  # one run's time series and its latency's .hgrm text (issue 25)

MIN_RUNS = 3  # an interval needs this many runs (issue 22 §1)
AUTO_HALF_WIDTH = 0.05  # --repeat auto stops a cell once both intervals are within +-5%


class Repeats(TypedDict):
    """What a cell's runs say together: each run's p95, and the intervals of the mean req/s and p95."""

    p95_runs: list[float]
    rps_ci: list[float] | None
    p95_ci: list[float] | None


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def measured(found: Measurement, usable_cores: float, split: Breakdown | None = None) -> Measured:
    """The run's numbers; with `split` (a user's scenario) the counts are reconciled on the handlers the
    client's names map to, the app's calls to itself left out. Without `window` (a running service whose
    metrics were not given) Locust's side only: the server's fields stay None, nothing is reconciled."""
    r = _round
    load, window = found.load, found.window
    client = Measured(
        duration_s=r(load.duration_s), requests=load.requests, failures=load.failures,
        failure_ratio=r(load.failures / load.requests if load.requests else 0.0, 4),
        failure_codes=load.failure_codes,
        rps=r(load.rps), latency_from=load.latency_from,
        p50_ms=load.p50_ms, p95_ms=load.p95_ms, p99_ms=load.p99_ms,
        p50_ms_uncorrected=load.p50_ms_uncorrected, p95_ms_uncorrected=load.p95_ms_uncorrected,
        p99_ms_uncorrected=load.p99_ms_uncorrected,
        generator_cpu=r(load.generator_cpu), generator_saturated=load.generator_saturated,
        generator_processes=load.generator_processes, generator_busiest_cpu=r(load.generator_busiest_cpu),
        abandoned=load.abandoned, mean_ms=load.mean_ms, think_ms=r(load.think_ms),
        usable_cores=r(usable_cores), other_cores=r(found.other_cores, 2),
    )  # fmt: skip
    if window is None:
        return client
    compared = split.compared if split is not None else int(window.requests)
    unaccounted, reconciled = little.reconcile(load.requests, compared, load.abandoned)
    return client.model_copy(
        update=dict(
            server_requests=int(window.requests), server_cpu_s=r(window.cpu_s),
            server_window_s=r(window.window_s),
            server_cores=r(window.cores, 2), server_mean_ms=r(server_mean_ms(window, split)),
            loop_busy=r(window.loop_busy, 3),
            loop_lag_p99_ms=r(window.loop_lag_p99_ms),
            threadpool_in_use_max=window.threadpool_in_use_max,
            threadpool_waiting_max=window.threadpool_waiting_max,
            process_pool_pending_max=window.process_pool_pending_max,
            workers_busy=r(window.workers_busy, 2), worker_busiest_cpu=r(window.worker_busiest_cpu, 2),
            unaccounted=unaccounted, reconciled=reconciled, server_drained=window.drained,
            server_requests_compared=compared if split is not None else None,
            unmapped=split.unmapped if split is not None else [],
            handlers=split.rows if split is not None else [],
        )
    )  # fmt: skip


def server_mean_ms(window: ServerWindow, split: Breakdown | None) -> float | None:
    """The server's mean time per request over its window: the requested handlers' where the client's
    names map to handlers (a user's scenario), else every handler it served."""
    rows = [(h.server_requests, h.mean_ms) for h in split.rows if h.requested] if split is not None else [
        (w.requests, w.mean_ms) for w in window.handlers.values()
    ]  # fmt: skip
    counted = [(n, m) for n, m in rows if n and m is not None]
    total = sum(n for n, _ in counted)
    return sum(n * m for n, m in counted) / total if total else None


def median_run(runs: list[Measured]) -> Measured:
    """The run with the median throughput (the upper one of an even count): it stands for the cell."""
    return sorted(runs, key=lambda r: r.rps or 0.0)[len(runs) // 2]


def write_detail(out: Path, config: str, scenario: Scenario, point: str, run: Detail | None) -> None:
    """cells/<point>__<scenario>.json and .hgrm: the time series and the client latency's whole
    distribution (issue 25) of the run that stands for the cell; no series and no .hgrm for a failed cell."""
    stem = out / "cells" / f"{point}__{scenario.slug}"
    extra = run[0].model_dump() if run is not None else {}
    detail = {"config": config, "scenario": scenario.name, "point": point, **extra}
    stem.with_name(stem.name + ".json").write_text(json.dumps(detail))
    if run is not None:
        stem.with_name(stem.name + ".hgrm").write_text(run[1])


def _interval(values: list[float]) -> list[float] | None:
    if len(values) < MIN_RUNS:
        return None
    found = mean_ci(values)
    return [round(found.lo, 3), round(found.hi, 3)]


def repeats(runs: list[Measured]) -> Repeats:
    """Each run's p95 and, from MIN_RUNS runs on, the 95% bootstrap intervals over the runs."""
    p95 = [r.p95_ms for r in runs if r.p95_ms is not None]
    rps = [r.rps for r in runs if r.rps is not None]
    return Repeats(p95_runs=p95, rps_ci=_interval(rps), p95_ci=_interval(p95))


def settled(runs: list[Measured]) -> bool:
    """--repeat auto: enough runs, and both intervals within AUTO_HALF_WIDTH of their means."""
    found = repeats(runs)
    if len(runs) < MIN_RUNS or found["rps_ci"] is None or found["p95_ci"] is None:
        return False
    return all(
        (hi - lo) / 2 <= AUTO_HALF_WIDTH * (lo + hi) / 2 for lo, hi in (found["rps_ci"], found["p95_ci"])
    )
