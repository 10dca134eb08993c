"""What `lab tune` expects of a point before it measures it (issue 23): the model's throughput and response
time from the demands measured at one user, then scaled by how far the model was off at the nearest
measured point (the same server, the fewest keys apart).

The model (lab.model): exact mean value analysis over the binding resource's station for a closed loop;
for an open model the rate, capped by the bounds, and the response time of R0 / (1 - utilization).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lab.compare.results.checks import measured as field_value
from lab.compare.results.summary import Cell
from lab.model.bounds import bounds, ceiling
from lab.model.inputs import Capacity, Demands, Load, ModelInputError
from lab.model.measured import in_cell
from lab.model.mva import sweep
from lab.shared.configs import ServerConfig

MAX_UTILIZATION = 0.95  # an open model near its ceiling: the queue's growth, capped


@dataclass(frozen=True)
class Estimate:
    rps: float
    response_ms: float  # the model's mean response time (think time excluded)


@dataclass(frozen=True)
class Model:
    """The demands at one user (from the first cell's calibration) and what every point shares."""

    demands: Demands
    usable_cores: float
    think_ms: float
    users: int
    rate: float | None
    worker_cores: float | None = None  # the busiest worker's cores in that cell (Capacity.parallel)

    def estimate(self, cfg: ServerConfig, workers: int) -> Estimate | None:
        """The model's raw estimate for `cfg` run with `workers` processes; None where it has no bound."""
        try:
            capacity = Capacity(
                workers=workers, usable_cores=self.usable_cores, threadpool=cfg.threadpool,
                db_pool=cfg.db_pool if self.demands.db_pool_ms else None,
                process_pool=cfg.process_pool if self.demands.process_pool_ms else None,
                worker_cores=self.worker_cores,
            )  # fmt: skip
            if self.rate is None:
                (point,) = sweep(self.demands, capacity, self.think_ms, [self.users])
                return Estimate(point.rps, point.response_ms)
            held = [b for b in bounds(self.demands, capacity, Load(rate=self.rate)) if b.resource != "rate"]
        except ModelInputError:
            return None
        top = ceiling(held)
        if top is None:
            return Estimate(self.rate, self.demands.wall_ms)
        load = min(self.rate / top.rps, MAX_UTILIZATION)
        return Estimate(min(self.rate, top.rps), self.demands.wall_ms / (1 - load))


def model_of(cell: Cell) -> Model | None:
    """The model the first (calibrated) cell gives, its CPU per request as it used it under load."""
    if not cell.demands or cell.status != "ok" or not cell.rps:
        return None
    try:
        demands = Demands(**{f"{name}_ms": ms for name, ms in cell.demands.items()})
    except (ModelInputError, TypeError):
        return None
    demands = in_cell(demands, cell.server_cores, cell.loop_busy, cell.rps)
    cores = cell.usable_cores or 1.0
    return Model(demands, cores, cell.think_ms or 0.0, cell.users, cell.target_rps, cell.worker_busiest_cpu)


def distance(a: dict[str, str], b: dict[str, str]) -> tuple[int, float]:
    """How far two points are: the keys that differ, then the sum of |log2| of numeric ratios."""
    differ = [k for k in a if a[k] != b.get(k)]
    spread = 0.0
    for k in differ:
        x, y = a[k], b.get(k, "")
        if x.isdigit() and y.isdigit() and int(x) > 0 and int(y) > 0:
            spread += abs(math.log2(int(x) / int(y)))
        else:
            spread += 8.0  # another server is further than any number of tokens
    return len(differ), spread


def refined(raw: Estimate, reference: Estimate, cell: Cell, fields: list[str]) -> dict[str, float]:
    """The values a point is predicted to measure: the reference cell's, scaled as the model scales
    throughput (rps) and response time (every *_ms field) from the reference point to this one."""
    found: dict[str, float] = {}
    for field in dict.fromkeys(["rps", "p95_ms", *fields]):
        value = field_value(cell, field)
        if value is None:
            continue
        if field == "rps" and reference.rps > 0:
            value *= raw.rps / reference.rps
        elif field.endswith("_ms") and reference.response_ms > 0:
            value *= raw.response_ms / reference.response_ms
        found[field] = value
    return found
