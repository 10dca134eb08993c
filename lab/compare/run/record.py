"""One run of a cell as summary.json records it: Locust's side and the server's, reconciled."""

from __future__ import annotations

from lab.compare import model
from lab.compare.handlers import Breakdown
from lab.compare.results.summary import Measured
from lab.measure.scrape import ServerWindow
from lab.runtime.headless import LoadResult


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def measured(load: LoadResult, window: ServerWindow | None, split: Breakdown | None = None) -> Measured:
    """The run's numbers; with `split` (a user's scenario) the counts are reconciled on the handlers the
    client's names map to, the app's calls to itself left out. Without `window` (a running service whose
    metrics were not given) Locust's side only: the server's fields stay None, nothing is reconciled."""
    r = _round
    client = Measured(
        duration_s=r(load.duration_s), requests=load.requests, failures=load.failures,
        failure_ratio=r(load.failures / load.requests if load.requests else 0.0, 4),
        failure_codes=load.failure_codes,
        rps=r(load.rps), p50_ms=load.p50_ms, p95_ms=load.p95_ms, p99_ms=load.p99_ms,
        generator_cpu=r(load.generator_cpu), generator_saturated=load.generator_saturated,
        generator_processes=load.generator_processes, generator_busiest_cpu=r(load.generator_busiest_cpu),
        abandoned=load.abandoned, mean_ms=load.mean_ms,
    )  # fmt: skip
    if window is None:
        return client
    compared = split.compared if split is not None else int(window.requests)
    unaccounted, reconciled = model.reconcile(load.requests, compared, load.abandoned)
    return client.model_copy(
        update=dict(
            server_requests=int(window.requests), server_cpu_s=r(window.cpu_s),
            server_window_s=r(window.window_s),
            server_cores=r(window.cores, 2),
            loop_lag_p99_ms=r(window.loop_lag_p99_ms),
            threadpool_in_use_max=window.threadpool_in_use_max,
            threadpool_waiting_max=window.threadpool_waiting_max,
            process_pool_pending_max=window.process_pool_pending_max,
            workers_busy=r(window.workers_busy, 2),
            unaccounted=unaccounted, reconciled=reconciled, server_drained=window.drained,
            server_requests_compared=compared if split is not None else None,
            unmapped=split.unmapped if split is not None else [],
            handlers=split.rows if split is not None else [],
        )
    )  # fmt: skip


def median_run(runs: list[Measured]) -> Measured:
    """The run with the median throughput (the upper one of an even count): it stands for the cell."""
    return sorted(runs, key=lambda r: r.rps or 0.0)[len(runs) // 2]
