"""Each cell's diagnosis by lab.model (issue 21 §1, §2): one rule for every cell of every app.

The calibration (one user, nothing queues) gives the class's service demands (`demands`); the cell gives
its capacity (workers, the cores Locust left, the pools) and its load
(users and the think time Locust measured, or an open model's rate). `lab.model.explain.judge` turns them
into the ceiling, the binding resource, the utilizations and the efficiency, and `diagnose` into the
cell's fields: `binding`, `limit` (the binding resource in words) and `bottleneck` (the one sentence the
report and the table quote) say the same thing.

Usable cores are what Locust left (lab.measure.cell); what the machine's other processes used meanwhile is
named in an unexplained cell's sentence, never taken as the server's limit. The users' bound counts the
think time Locust measured in the cell, but for a paced user (`constant_pacing`, `constant_throughput`)
it keeps the cycle: such a user thinks less when its responses slow down, so its think time at R0 is the
cell's plus what its responses lost (`paced_think_ms`).

Inside a cell the CPU bound uses the cell's own CPU per request where it was measured (busy time over
completions, D = B / C: Lazowska et al. ch. 3); `demands` stays the one-user figure (the contract, the
mean value analysis's curve).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from lab.compare.results.measured import HandlerRow
from lab.model import gil
from lab.model.bounds import cores_counted
from lab.model.explain import ABOVE, EXPLAINED, GENERATOR_SATURATED, Verdict, generator_queue, grown, judge
from lab.model.inputs import Capacity, Demands, Load, Resource
from lab.model.measured import HandlerAtOneUser, class_demands, in_cell
from lab.model.mva import sweep

# The catalogue's handlers that hold a thread-pool token: `def` endpoints, `to_thread`, background tasks.
POOLED_SUFFIXES = ("/sync", "/sync-model", "/thread")
POOLED_PREFIXES = ("/background",)
OTHERS_NOTABLE = 0.2  # cores the machine's other processes used that an unexplained cell's sentence names
SLOWED = 2.0  # an unexplained cell's requests this many times slower than at one user: they queued
PHRASES: dict[str, str] = {
    "users": "the users", "rate": "the arrival rate", "cpu": "the CPU", "process_pool": "the process pool",
    "db_pool": "the connection pool", "threadpool": "the thread pool", "loop": "the event loop",
    "generator": "the load generator", "unexplained": "unexplained",
}  # fmt: skip


def spread(workers_busy: float | None) -> float | None:
    """The workers a cell's requests were spread over (its measured `workers_busy`), at least 1, for
    Capacity.spread; None where it was not measured."""
    return None if workers_busy is None else max(workers_busy, 1.0)


def pooled(handler: str) -> bool:
    """A handler of the lab's own catalogue that holds a thread-pool token, by its route."""
    return handler.endswith(POOLED_SUFFIXES) or handler.startswith(POOLED_PREFIXES)


@dataclass(frozen=True)
class Calibration:
    """What the one-user run measured: Locust's R0 and req/s, the server's cores and loop lag, and each
    requested handler's share, time and CPU (the rows carry `service_ms` and `cpu_ms`)."""

    wall_ms: float
    rps: float
    requests: int
    server_cores: float | None
    loop_lag_p99_ms: float | None
    rows: list[HandlerRow]
    loop_lag_mean_ms: float | None = None  # the loop probe's mean lag (see lab.model.measured)
    loops: int = 1  # event loops that probed: the workers


@dataclass(frozen=True)
class Pools:
    """The pools a scenario holds beside the thread pool, where the lab can see them (its catalogue)."""

    db_pool: int | None = None  # connections per worker: the /db/* handlers hold one for their time
    process_pool: int | None = None  # processes per worker: /cpu/process holds one for its time


def with_calibration(rows: Sequence[HandlerRow], calibration: Calibration) -> list[HandlerRow]:
    """A cell's handler rows with each handler's time and CPU at one user (the calibration's)."""
    alone = {r.handler: r for r in calibration.rows}
    return [
        r.model_copy(update={"service_ms": a.service_ms, "cpu_ms": a.cpu_ms, "loop_ms": a.loop_ms})
        if (a := alone.get(r.handler))
        else r
        for r in rows
    ]


def service_ms(rows: Sequence[HandlerRow]) -> float | None:
    """The class's mean time in the server at one user: each requested handler's, weighted by its share."""
    mix = [r for r in rows if r.requested and r.share and r.service_ms is not None]
    covered = sum(r.share or 0.0 for r in mix)
    if not mix or covered < 0.5:  # most of the class's requests have no time at one user: none
        return None
    return sum((r.share or 0.0) * (r.service_ms or 0.0) for r in mix) / covered


def demands(calibration: Calibration, pools: Pools) -> Demands:
    """The class's demands at one user (lab.model.measured's rule), the server's own CPU per request
    (lab_request_cpu_seconds) where every handler has it, the catalogue's pools where it holds them."""
    rows = [r for r in calibration.rows if r.requested and r.share and r.service_ms is not None]
    found = class_demands(
        wall_ms=calibration.wall_ms, rps=calibration.rps, server_cores=calibration.server_cores,
        loop_lag_p99_ms=calibration.loop_lag_p99_ms, loop_lag_mean_ms=calibration.loop_lag_mean_ms,
        loops=calibration.loops,
        handlers=[HandlerAtOneUser(r.share or 0.0, r.service_ms or 0.0, r.threadpool, r.loop_ms)
                  for r in rows],
    )  # fmt: skip
    total = sum(r.share or 0.0 for r in rows) or 1.0

    def weighted(values: Sequence[float]) -> float:
        return sum((r.share or 0.0) * v for r, v in zip(rows, values, strict=True)) / total

    held = weighted([r.service_ms or 0.0 for r in rows])
    updates: dict[str, float] = {}
    if rows and all(r.cpu_ms is not None for r in rows):
        updates["cpu_ms"] = weighted([r.cpu_ms or 0.0 for r in rows])
    if pools.db_pool is not None:
        updates["db_pool_ms"] = held
    if pools.process_pool is not None:  # the pool's processes do the CPU work the worker's clock misses
        updates["process_pool_ms"] = held
        updates["cpu_ms"] = updates.get("cpu_ms", found.cpu_ms) + held
    return dataclasses.replace(found, **updates)


@dataclass(frozen=True)
class CellLoad:
    """What the cell ran and saw: the load, its throughput and what the lab measured of each resource."""

    users: int
    rate: float | None
    think_ms: float
    duration_s: float | None
    rps: float
    server_cores: float | None
    generator_busiest_cpu: float | None
    generator_saturated: bool | None
    threadpool_in_use_max: float | None
    threadpool_waiting_max: float | None
    other_cores: float | None = None  # the machine's other processes, meanwhile
    loop_busy: float | None = None  # loop-seconds per second the requests' steps held, all workers
    mean_ms: float | None = None  # Locust's mean response time in the cell
    server_mean_ms: float | None = None  # the server's own mean time per request in the cell
    server_one_ms: float | None = None  # the same at one user (the calibration's)


def _measured(cell: CellLoad, capacity: Capacity) -> dict[Resource, float]:
    """Utilizations the lab saw in the cell itself (not from the demands)."""
    seen: dict[Resource, float] = {}
    if cell.server_cores is not None:
        seen["cpu"] = cell.server_cores / capacity.cpu_servers
    if cell.generator_busiest_cpu is not None or cell.generator_saturated:
        # Saturated: a local process passed 90% of a core, or Locust's workers elsewhere said so.
        seen["generator"] = max(cell.generator_busiest_cpu or 0.0, 1.0 if cell.generator_saturated else 0.0)
    if cell.threadpool_waiting_max:  # requests waited for a token: the pool was all in use
        seen["threadpool"] = (cell.threadpool_in_use_max or 0.0) / (capacity.workers * capacity.threadpool)
    return seen


@dataclass(frozen=True)
class Diagnosis:
    verdict: Verdict
    demands: Demands  # at one user
    capacity: Capacity
    model_rps: float | None  # mean value analysis at the cell's users (a closed loop), steady state
    slowed: float | None = None  # the cell's mean response time over R0
    others: float | None = None  # cores the machine's other processes used meanwhile, where notable
    contended: gil.Contention | None = None  # CPU-bound threads sharing each worker's GIL while cores idled


def diagnose(
    cell: CellLoad, one_user: Demands, capacity: Capacity, think_ms: float | None = None
) -> Diagnosis:
    """lab.model's verdict on one cell (see the module); `think_ms`: a paced user's, else the cell's."""
    bound = in_cell(one_user, cell.server_cores, cell.loop_busy, cell.rps)
    window = cell.duration_s if cell.duration_s and cell.duration_s > 0 else None
    think = cell.think_ms if think_ms is None else think_ms
    load = Load(users=cell.users, think_ms=think, rate=cell.rate, window_s=window)
    # The ceiling near the knee: mean value analysis over the demands the bounds use (the cell's own CPU
    # per request where measured); `model_rps` is the one-user demands' prediction (the sweep's curve).
    tight = sweep(bound, capacity, think, [cell.users]) if cell.rate is None else []
    verdict = judge(
        cell.rps, bound, capacity, load, measured=_measured(cell, capacity),
        predicted_rps=tight[0].rps * load.started(one_user.wall_ms) if tight else None,
    )  # fmt: skip
    verdict = generator_queue(verdict, cell.rps, bound, capacity, load, outside_grown_ms(cell, one_user))
    curve = sweep(one_user, capacity, think, [cell.users]) if cell.rate is None else []
    slowed = cell.mean_ms / one_user.wall_ms if cell.mean_ms and one_user.wall_ms > 0 else None
    others = cell.other_cores if cell.other_cores is not None and cell.other_cores >= OTHERS_NOTABLE else None
    return Diagnosis(
        verdict, one_user, capacity, curve[0].rps if curve else None, slowed, others,
        gil.contention(cell.threadpool_in_use_max, cell.server_cores, cell.other_cores, one_user, capacity),
    )  # fmt: skip


def outside_grown_ms(cell: CellLoad, one_user: Demands) -> float | None:
    """How much longer the cell's requests spent outside the server than one user's: Locust's mean less
    the server's own, in the cell and at one user (None where either side was not measured)."""
    if cell.mean_ms is None or cell.server_mean_ms is None or cell.server_one_ms is None:
        return None
    return (cell.mean_ms - cell.server_mean_ms) - max(one_user.wall_ms - cell.server_one_ms, 0.0)


def _f(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _utilizations(values: dict[Resource, float]) -> str:
    return ", ".join(f"{r} {u:.2f}" for r, u in values.items()) or "none"


def limit(diagnosis: Diagnosis) -> str | None:
    """The binding resource in words, with the capacity it counts."""
    binding, cap = diagnosis.verdict.binding, diagnosis.capacity
    if binding is None:
        return None
    detail = {
        "cpu": f" ({cores_counted(cap)})",
        "threadpool": f" ({cap.workers} x {cap.threadpool} tokens)",
        "db_pool": f" ({cap.workers} x {cap.db_pool} connections)",
        "process_pool": f" ({cap.workers} x {cap.process_pool} processes)",
        "loop": f" ({cap.workers} loop(s))",
    }.get(binding, "")
    return PHRASES[binding] + detail


NO_CEILING = "no ceiling: nothing was measured at one user (calibration off or too short)"


def sentence(diagnosis: Diagnosis | None) -> str:
    """The cell's one diagnosis: what bound it and by how much, or why no resource explains it."""
    if diagnosis is None:
        return NO_CEILING
    v = diagnosis.verdict
    if v.binding is None or v.efficiency is None or v.ceiling_rps is None:
        return NO_CEILING
    law = _utilizations(v.utilization)
    if v.binding == "unexplained":
        fuller = "".join(
            f"; {r} measured {x:.1f}x fuller than its demand explains" for r, x in grown(v).items()
        )
        if diagnosis.slowed is not None and diagnosis.slowed >= SLOWED:
            fuller += f"; requests took {diagnosis.slowed:.1f}x their time at one user (they queued)"
        if diagnosis.others is not None:
            fuller += f"; the machine's other processes used {diagnosis.others:.2f} cores meanwhile"
        if diagnosis.contended is not None and v.efficiency < EXPLAINED:
            fuller += "; " + diagnosis.contended.clause()
        why = (
            "above it: the demands measured at one user overstate what the cell's requests took"
            if v.efficiency > ABOVE
            else "no resource near saturation"
        )
        return (
            f"unexplained: {_f(v.efficiency)} of the ceiling {_f(v.ceiling_rps)} req/s ({v.ceiling_formula}) "
            f"and {why} (utilization law: {law}; measured: {_utilizations(v.measured)}{fuller})"
        )
    if v.binding == "generator" and v.measured.get("generator", 0.0) < GENERATOR_SATURATED:
        busiest = v.measured.get("generator")
        used = "" if busiest is None else f" while its busiest process used {busiest:.2f} of a core"
        remedy = (
            f"the machine's other processes used {diagnosis.others:.2f} cores meanwhile"
            if diagnosis.others is not None
            else "more --generator-processes would send more"
        )
        return (
            f"the load generator: {v.ceiling_formula} = {_f(v.ceiling_rps)} req/s, efficiency "
            f"{_f(v.efficiency)}: the requests queued on Locust's side{used} ({remedy}; utilization law: "
            f"{law})"
        )
    if v.binding == "generator":
        return (
            f"the load generator: its busiest process used {v.measured.get('generator', 0):.2f} of a core "
            "(the cell's numbers describe Locust, not the server)"
        )
    text = (
        f"{limit(diagnosis)}: {v.ceiling_formula} = {_f(v.ceiling_rps)} req/s, efficiency {_f(v.efficiency)}"
    )
    return text + f" (utilization law: {law})"


def fields(diagnosis: Diagnosis, calibration_requests: int | None) -> dict[str, object]:
    """The cell's fields of summary.json (issue 21's contract names)."""
    v, d = diagnosis.verdict, diagnosis.demands
    named = {
        "wall": d.wall_ms, "cpu": d.cpu_ms, "threadpool": d.threadpool_ms, "loop": d.loop_ms,
        "db_pool": d.db_pool_ms, "process_pool": d.process_pool_ms,
    }  # fmt: skip
    return {
        "ceiling_rps": None if v.ceiling_rps is None else round(v.ceiling_rps, 3),
        "ceiling_formula": v.ceiling_formula, "binding": v.binding, "limit": limit(diagnosis),
        "efficiency": None if v.efficiency is None else round(v.efficiency, 4),
        "utilization": {r: round(u, 4) for r, u in v.utilization.items()},
        "demands": {k: round(x, 4) for k, x in named.items() if x > 0 or k == "wall"},
        "usable_cores": round(diagnosis.capacity.usable_cores, 3), "bottleneck": sentence(diagnosis),
        "model_rps": None if diagnosis.model_rps is None else round(diagnosis.model_rps, 3),
        "calibration_requests": calibration_requests,
    }  # fmt: skip
