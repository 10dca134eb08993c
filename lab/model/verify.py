"""What `lab compare --verify` predicts: the binding knob doubled, and the throughput the bounds then allow.

A knob is what the lab can change for a rerun: the configuration's workers, threadpool, db_pool,
process_pool, or the load's users or rate. The CPU and the loop are relieved by more workers (while
cores are left); the generator and `unexplained` name no knob: not verifiable. A rerun confirms the
binding resource when its throughput is within TOLERANCE of the prediction (issue 21 §3).

One exception: an unexplained CPU-bound cell whose threads contended for each worker's GIL while cores
sat idle (lab.model.gil) is rerun with one thread per worker (`fewer_threads`): the model predicts the
bounds' ceiling then, which a confirmed rerun reaches; what is verified is the contention ("gil").

Where Locust shares the server's cores (not pinned), `sharing` solves the prediction for the cores Locust
leaves at the predicted rate, not at the cell's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from lab.model.bounds import Bound, bounds, ceiling
from lab.model.inputs import Binding, Capacity, Demands, Load

Knob = Literal["workers", "threadpool", "db_pool", "process_pool", "users", "rate"]
Outcome = Literal["confirmed", "refuted", "not verifiable"]
TOLERANCE = 0.15
KNOBS: dict[Binding, Knob] = {
    "users": "users", "rate": "rate", "cpu": "workers", "loop": "workers", "threadpool": "threadpool",
    "db_pool": "db_pool", "process_pool": "process_pool",
}  # fmt: skip


@dataclass(frozen=True)
class Prediction:
    knob: Knob
    before: float  # the knob's value in the cell
    after: float  # doubled
    rps: float  # the ceiling with the knob doubled
    binding: str  # what binds then (the next bound)
    capacity: Capacity
    load: Load
    verifies: str | None = None  # what the rerun verifies when it is not `binding`'s knob ("gil")


def fewer_threads(demands: Demands, capacity: Capacity, load: Load) -> Prediction | None:
    """The rerun of a cell whose CPU-bound threads contended for each worker's GIL: one thread per
    worker, predicted at the bounds' ceiling then; None where no bound applies or it has one already."""
    if capacity.threadpool <= 1:
        return None
    fewer = dataclasses.replace(capacity, threadpool=1)
    top = ceiling(bounds(demands, fewer, load))
    if top is None:
        return None
    return Prediction("threadpool", capacity.threadpool, 1, top.rps, top.resource, fewer, load, "gil")


def predict(binding: Binding, demands: Demands, capacity: Capacity, load: Load) -> Prediction | None:
    """The rerun `--verify` makes for a cell bound by `binding`; None where no knob relieves it."""
    knob = KNOBS.get(binding)
    if knob is None:
        return None
    if knob in ("users", "rate"):
        value = getattr(load, knob)
        if value is None:
            return None
        load = dataclasses.replace(load, **{knob: value * 2})
    else:
        value = getattr(capacity, knob)
        if value is None:
            return None
        capacity = dataclasses.replace(capacity, **{knob: value * 2})
        if knob == "workers" and capacity.spread is not None:  # the requests spread alike over twice as many
            capacity = dataclasses.replace(capacity, spread=capacity.spread * 2)
    top = ceiling(bounds(demands, capacity, load))
    if top is None:
        return None
    return Prediction(knob, value, value * 2, top.rps, top.resource, capacity, load)


MIN_USABLE = 0.1  # cores: what the server keeps however much the load generator would take


def sharing(made: Prediction, demands: Demands, cores: float, generator_ms: float) -> Prediction:
    """`made` on cores the load generator shares with the server (not pinned): Locust takes
    `generator_ms` of CPU per request (the cell's: its cores over its req/s), so at X req/s the server's
    usable cores are cores - X x generator_ms (the cell measured them at its own X). The prediction is
    the X at which the bounds, over the cores left at X, allow X (the ceiling falls as X rises: a
    bisection). Doubling a knob that lets the server send more also makes Locust work more: on 2 cores a
    `def` sign-up's rerun with twice the tokens was predicted 1967 req/s on the cell's 1.48 cores and
    served 1660; at 1660 req/s Locust had left it 1.27."""

    def at(x: float) -> tuple[Bound | None, Capacity]:
        usable = max(cores - x * generator_ms / 1000, MIN_USABLE)
        capacity = dataclasses.replace(made.capacity, usable_cores=usable)
        return ceiling(bounds(demands, capacity, made.load)), capacity

    highest, _ = at(0.0)
    if generator_ms <= 0 or highest is None:
        return made
    low, high = 0.0, highest.rps
    for _ in range(60):
        mid = (low + high) / 2
        top, _ = at(mid)
        low, high = (mid, high) if top is not None and top.rps >= mid else (low, mid)
    top, capacity = at(low)
    if top is None:
        return made
    return dataclasses.replace(made, rps=low, binding=top.resource, capacity=capacity)


def outcome(predicted_rps: float, measured_rps: float | None) -> Outcome:
    """confirmed: the rerun moved to within TOLERANCE of the prediction; refuted otherwise."""
    if measured_rps is None or predicted_rps <= 0:
        return "not verifiable"
    return "confirmed" if abs(measured_rps - predicted_rps) <= TOLERANCE * predicted_rps else "refuted"
