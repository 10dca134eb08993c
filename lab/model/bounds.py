"""Asymptotic bounds of operational analysis, the same rule for every cell of every app (issue 21 §2).

Each resource caps throughput at its capacity over what one request takes of it (the utilization law,
U = X x D / capacity <= 1, so X <= capacity / D; Lazowska et al. ch. 5):

    users         N / (R0 + Z)                          a closed loop: each user has one request out
    cpu           min(processes, usable cores) / CPU    a Python process uses one core at a time
                                                        (processes: the workers and their pools;
                                                        a worker measured above one core: its
                                                        threads, its CPU outside the GIL)
    threadpool    workers x tokens / token time         (workers: as the requests were spread over
                                                        them, see Capacity.balanced)
    loop          workers / loop time                   one event loop per worker
    db_pool       workers x db_pool / connection time
    process_pool  workers x process_pool / pool time
    rate          the open model's arrival rate

The ceiling is the smallest; the binding resource is its name. A resource the request never holds
(demand 0) or the configuration does not have (capacity None) sets no bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lab.model.inputs import RESOURCES, Capacity, Demands, Load, Resource

MIN_DEMAND_MS = 1e-6  # a nanosecond: below it a demand is noise, and its bound no number


@dataclass(frozen=True)
class Bound:
    resource: Resource
    rps: float
    formula: str  # in words a user can check, with the numbers


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def _workers(capacity: Capacity) -> str:
    """`workers 2`, or where the requests were spread unevenly `workers 2 spread as 1.65`."""
    if capacity.balanced >= capacity.workers:
        return f"workers {capacity.workers}"
    return f"workers {capacity.workers} spread as {capacity.balanced:.3g}"


def _processes(capacity: Capacity) -> str:
    if capacity.parallel:
        return (
            f"{_workers(capacity)} x threads {capacity.threads} (a worker used "
            f"{capacity.worker_cores:.3g} cores: its CPU runs outside the GIL)"
        )
    if capacity.process_pool is None:
        return _workers(capacity)
    return f"{_workers(capacity)} x (1 + process_pool {capacity.process_pool})"


def cores_counted(capacity: Capacity) -> str:
    """The CPU bound's cores in words: `1.93 of 2 worker(s), 1.93 usable cores`."""
    threads = f" x {capacity.threads} threads, their CPU outside the GIL" if capacity.parallel else ""
    return (
        f"{capacity.cpu_servers:.3g} of {capacity.workers} worker(s){threads}, "
        f"{capacity.usable_cores:.3g} usable cores"
    )


def bounds(demands: Demands, capacity: Capacity, load: Load) -> list[Bound]:
    """Every bound that applies, in the order of RESOURCES (the tie-break order)."""
    found: dict[Resource, Bound] = {}
    workers, named = capacity.balanced, _workers(capacity)
    if load.users is not None and load.rate is None:
        cycle = demands.wall_ms + load.think_ms
        if cycle >= MIN_DEMAND_MS:
            formula = f"users {load.users} / (R0 {_ms(demands.wall_ms)} + think {_ms(load.think_ms)})"
            started = load.started(demands.wall_ms)
            if load.window_s is not None:
                formula += (
                    f" x {started:.3g} (the completions of a {load.window_s:.3g} s window, "
                    f"users spawned over {load.spawn_s:.3g} s)"
                )
            found["users"] = Bound("users", load.users / (cycle / 1000) * started, formula)
    if load.rate is not None:
        found["rate"] = Bound("rate", load.rate, f"the open model's rate {load.rate:.4g} req/s")

    def held(resource: Resource, servers: float, demand_ms: float, what: str) -> None:
        if demand_ms >= MIN_DEMAND_MS:
            found[resource] = Bound(resource, servers * 1000 / demand_ms, f"{what} / {_ms(demand_ms)}")

    held(
        "cpu", capacity.cpu_servers, demands.cpu_ms,
        f"min({_processes(capacity)}, usable cores {capacity.usable_cores:.3g}) / CPU",
    )  # fmt: skip
    if capacity.process_pool is not None:
        held(
            "process_pool", workers * capacity.process_pool, demands.process_pool_ms,
            f"{named} x process_pool {capacity.process_pool}",
        )  # fmt: skip
    if capacity.db_pool is not None:
        held(
            "db_pool", workers * capacity.db_pool, demands.db_pool_ms,
            f"{named} x db_pool {capacity.db_pool}",
        )  # fmt: skip
    held(
        "threadpool", workers * capacity.threadpool, demands.threadpool_ms,
        f"{named} x tokens {capacity.threadpool}",
    )  # fmt: skip
    held("loop", workers, demands.loop_ms, f"{named} (one loop each)")
    return [found[r] for r in RESOURCES if r in found]


def ceiling(found: list[Bound]) -> Bound | None:
    """The smallest bound (the first in RESOURCES' order on a tie); None when no bound applies."""
    if not found:
        return None
    return min(found, key=lambda b: (b.rps, RESOURCES.index(b.resource)))


def utilization(rps: float, found: list[Bound]) -> dict[Resource, float]:
    """The utilization law per resource: X x D / capacity, i.e. the throughput over the resource's bound
    (for the users: the share of the closed loop's bound reached; for the rate: of the rate sent)."""
    return {b.resource: rps / b.rps for b in found if b.rps > 0 and math.isfinite(b.rps)}
