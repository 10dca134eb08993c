"""A cell's verdict: its ceiling, binding resource, efficiency and utilizations, or `unexplained`.

The rule (issue 21 §2), the same for every cell:

- efficiency = measured req/s / ceiling;
- at or above EXPLAINED (0.8) of the ceiling, the ceiling's resource binds;
- below it, a resource the lab *measured* at or above SATURATED (0.8) of its capacity binds (the CPU the
  server used over its usable cores, the busiest Locust process, the thread-pool tokens in use): the
  model's demands were too small for it (its demand grew under load), and the verdict names it anyway;
- otherwise the cell is `unexplained`, and its utilizations (law and measured) say what was ruled out.
The model never forces a story: a low efficiency with every resource idle is reported as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lab.model.bounds import Bound, bounds, ceiling, utilization
from lab.model.inputs import Binding, Capacity, Demands, Load, Resource

EXPLAINED = 0.8  # efficiency from which the ceiling's resource is taken as the one that binds
SATURATED = 0.8  # a measured utilization from which a resource is near saturation


@dataclass(frozen=True)
class Verdict:
    ceiling_rps: float | None
    ceiling_formula: str | None
    binding: Binding | None  # None: no bound applies (nothing measured)
    efficiency: float | None
    utilization: dict[Resource, float]  # the utilization law, per resource with a bound
    measured: dict[Resource, float] = field(default_factory=dict)  # what the lab saw, 0..1
    bounds: list[Bound] = field(default_factory=list)


def judge(
    rps: float,
    demands: Demands,
    capacity: Capacity,
    load: Load,
    measured: Mapping[Resource, float] | None = None,
) -> Verdict:
    """The verdict for a cell that served `rps` under `load` (see the module for the rule)."""
    found = bounds(demands, capacity, load)
    top = ceiling(found)
    seen = dict(measured or {})
    law = utilization(rps, found)
    if top is None or top.rps <= 0:
        return Verdict(None, None, None, None, law, seen, found)
    efficiency = rps / top.rps
    binding: Binding = top.resource
    if efficiency < EXPLAINED:
        busiest = max(seen, key=lambda r: seen[r], default=None)
        binding = busiest if busiest is not None and seen[busiest] >= SATURATED else "unexplained"
    return Verdict(top.rps, top.formula, binding, efficiency, law, seen, found)
