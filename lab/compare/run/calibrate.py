"""The calibration: each scenario at one user, once per configuration, and lab.model's verdict on its cells.

At one user nothing queues, so what one request holds of each resource is measured there (issue 21 §1):
Locust's R0 and req/s, the server's cores and event-loop lag, and per handler its share, its time in the
server, its CPU (lab_request_cpu_seconds) and its event-loop time (lab_request_loop_seconds). A short
warm-up first (none with `--warmup 0`); a run that counted fewer than MIN_REQUESTS runs again, twice as
long (at most twice more): a user who thinks a second sends three requests in a 3 s calibration. The
requests counted are kept with the cell (`calibration_requests`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from lab.compare import diagnosis, handlers
from lab.compare.diagnosis import Calibration
from lab.compare.results.measured import HandlerRow
from lab.compare.results.summary import Cell
from lab.compare.run.plan import Plan
from lab.measure import cell as measurement
from lab.model.inputs import Capacity, paced_think_ms
from lab.model.measured import in_cell_cpu_ms, overlap_scale
from lab.runtime import headless
from lab.runtime.generator import Generator
from lab.runtime.launcher import Server
from lab.runtime.service import Running
from lab.shared.configs import ServerConfig
from lab.shared.scenarios import Scenario
from lab.shared.service import EXTERNAL

RUNNING = "no ceiling: a running service (its workers and thread pool are not the lab's to know)"
WARMUP_S = 1.0  # the calibration's warm-up, at most
MIN_REQUESTS = 10  # fewer: the calibration runs again, twice as long (a user that thinks, a busy machine)
ATTEMPTS, MAX_S = 3, 12.0


def warmup_s(plan: Plan) -> float:
    return min(plan.warmup_s, WARMUP_S)


def calibrate(
    server: Server | Running, scenario: Scenario, prefix: Path, plan: Plan, cpus: list[int] | None,
    generator: Generator, run_id: str, quiet: Sequence[measurement.Locusts] = (),
) -> Calibration | None:  # fmt: skip
    """The scenario at one user (see the module); None when off, or when nothing was answered. `quiet`:
    Locust processes started ahead for the cell (lab.measure.cell.measure waits for their start-up)."""
    seconds = plan.calibration(scenario)
    if seconds <= 0:
        return None
    tags = {"config": server.config.name, "run_id": run_id}
    warmup = warmup_s(plan)
    found: measurement.Measurement | None = None  # the last run that answered anything
    for attempt in range(1, ATTEMPTS + 1):
        load = measurement.Load(scenario, 1, seconds, plan.locust_options(scenario), warmup)
        out = prefix.with_name(f"{prefix.name}-calibrate{'' if attempt == 1 else attempt}")
        with contextlib.suppress(headless.NoAnswerError):  # nothing answered in time: as too few
            found = measurement.measure(
                server, load, out=out, tags=tags, cpus=cpus, generator=generator, quiet=quiet
            )
        if found is not None and found.load.requests >= MIN_REQUESTS:
            break
        warmup, seconds = 0.0, min(seconds * 2, MAX_S)  # too few to trust: once more, longer
    if found is None or found.window is None:
        return None  # one request takes longer than every calibration run (or no metrics): no demands
    info = plan.app_info(server.config)
    rows = []
    for row in handlers.breakdown(found.load, found.window, info).rows:
        seen = found.window.handlers.get(row.handler)
        pooled = row.threadpool if info is not None else diagnosis.pooled(row.handler)
        rows.append(row.model_copy(update={
            "threadpool": pooled, "service_ms": seen.mean_ms if seen else None,
            "cpu_ms": seen.cpu_ms if seen else None, "loop_ms": seen.loop_ms if seen else None,
        }))  # fmt: skip
    rows = overlap_scaled(rows, found.window.cores, found.load.rps)
    return Calibration(
        wall_ms=wall_ms(found.load), rps=found.load.rps, requests=found.load.requests,
        server_cores=found.window.cores, loop_lag_p99_ms=found.window.loop_lag_p99_ms, rows=rows,
        loop_lag_mean_ms=found.window.loop_lag_mean_ms, loops=found.window.loops,
    )  # fmt: skip


def overlap_scaled(rows: list[HandlerRow], cores: float | None, rps: float) -> list[HandlerRow]:
    """The rows with their CPU per request scaled where the one-user run's requests overlapped
    (lab.model.measured.overlap_scale)."""
    mixed = [(r.share or 0.0, r.cpu_ms) for r in rows if r.requested and r.cpu_ms is not None]
    scale = overlap_scale(mixed, in_cell_cpu_ms(cores, rps))
    if scale == 1.0:
        return rows
    return [r.model_copy(update={"cpu_ms": r.cpu_ms * scale}) if r.cpu_ms is not None else r for r in rows]


def wall_ms(load: headless.LoadResult) -> float:
    """R0: Locust's mean response time at one user, its slowest request left out from three on (a fresh
    Locust process's first request pays its cold start, hundreds of ms on a busy machine: one request in
    the few dozen of a calibration, none that a user of the cell waits for again)."""
    mean, slowest, n = load.mean_ms or 0.0, load.max_ms, load.requests
    if slowest is None or n < 3:
        return mean
    return max((mean * n - slowest) / (n - 1), 0.0)


def diagnosed(
    cell: Cell, cfg: ServerConfig, scenario: Scenario, calibration: Calibration | None, cores: int
) -> Cell:
    """The cell with lab.model's verdict (lab.compare.diagnosis); `cores`: the server's, where the cell
    measured no usable cores."""
    rps = cell.rps or 0.0
    if cfg.server == EXTERNAL:  # lab run: no calibration, no ceiling
        known = cell.server_requests is not None
        return cell.model_copy(
            update={"bottleneck": RUNNING if known else "not known: the server's metrics were not read"}
        )
    if calibration is None or calibration.rps <= 0 or rps <= 0:
        return cell.model_copy(update={"bottleneck": diagnosis.sentence(None)})
    pools = diagnosis.Pools(
        db_pool=cfg.db_pool if scenario.kind == "db" else None,
        process_pool=cfg.process_pool if scenario.name == "cpu-process" else None,
    )
    capacity = Capacity(
        workers=cell.workers, usable_cores=cell.usable_cores or float(cores), threadpool=cfg.threadpool,
        db_pool=pools.db_pool, process_pool=pools.process_pool, spread=diagnosis.spread(cell.workers_busy),
        worker_cores=cell.worker_busiest_cpu,
    )  # fmt: skip
    seen = diagnosis.CellLoad(
        users=cell.users, rate=cell.target_rps, think_ms=cell.think_ms or 0.0, duration_s=cell.duration_s,
        rps=rps, server_cores=cell.server_cores, generator_busiest_cpu=cell.generator_busiest_cpu,
        loop_busy=cell.loop_busy,
        generator_saturated=cell.generator_saturated,
        threadpool_in_use_max=cell.threadpool_in_use_max, threadpool_waiting_max=cell.threadpool_waiting_max,
        mean_ms=cell.mean_ms, server_mean_ms=cell.server_mean_ms,
        server_one_ms=diagnosis.service_ms(calibration.rows), other_cores=cell.other_cores,
    )  # fmt: skip
    one_user = diagnosis.demands(calibration, pools)
    think = paced_think_ms(scenario.wait_time, cell.think_ms, cell.mean_ms, one_user.wall_ms)
    found = diagnosis.diagnose(seen, one_user, capacity, think)
    return cell.model_copy(update=diagnosis.fields(found, calibration.requests))
