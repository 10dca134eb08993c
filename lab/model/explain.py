"""A cell's verdict: its ceiling, binding resource, efficiency and utilizations, or `unexplained`.

The rule (issue 21 §2), the same for every cell:

- efficiency = measured req/s / ceiling; the utilizations are the utilization law's, X x D / capacity,
  from the demands measured at one user (so none exceeds the efficiency);
- at or above EXPLAINED (0.85) of the ceiling, the ceiling's resource binds (the band the model is held
  to is 0.85 to 1.10, so a cell it names a resource for is inside it);
- below it, no resource is near saturation by the law, and the cell is `unexplained`: its utilizations
  (the law's, and what the lab measured in the cell) say what was ruled out. The model never forces a
  story. `grown` tells a reader which measured resource was fuller than its demand explains (its demand
  grew under load: a pool held while waiting on something else, a CPU shared with other processes);
- a closed loop near its knee queues before any resource saturates, so its throughput stays under every
  asymptotic bound: there the ceiling is mean value analysis's throughput at the cell's users over the
  same demands (`predicted_rps`, where it is under KNEE of the bound; never above the bounds), and the
  smallest bound still names the binding resource;
- above ABOVE (1.10) of the ceiling the cell served more than the demands allow: `unexplained` too
  (a demand measured at one user that the cell did not pay, e.g. a cold start);
- one exception: a load generator measured at GENERATOR_SATURATED of a core binds whatever the
  efficiency (the cell's numbers then describe Locust, not the server);
- and a closed loop the load generator slowed without saturating it (`generator_queue`): below the band,
  or bound by the users under TIGHT (0.9) of their bound, when the cell's requests spent more time
  outside the server (Locust's mean less the server's own) than one user's did, that growth is time the
  requests queued on the client's side (Locust's greenlets on a busy process, answers arriving in
  bursts). The users' bound counted with R0 grown by it is the generator's ceiling; where the cell sits
  in the band of that ceiling, the generator binds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from lab.model.bounds import Bound, bounds, ceiling, utilization
from lab.model.inputs import Binding, Capacity, Demands, Load, Resource

ABOVE = 1.10  # efficiency above which the model does not describe the cell either (its demands overstate)
EXPLAINED = 0.85  # efficiency from which the ceiling's resource is taken as the one that binds
SATURATED = 0.8  # a measured utilization from which a resource is near saturation
KNEE = 0.98  # mean value analysis under this share of the smallest bound: the cell is near its knee
GENERATOR_SATURATED = 0.9  # the busiest Locust process's share of a core (as lab compare flags it)
TIGHT = 0.9  # a users-bound closed loop under this share of its ceiling is checked for the generator's queue


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
    predicted_rps: float | None = None,
) -> Verdict:
    """The verdict for a cell that served `rps` under `load` (see the module for the rule);
    `predicted_rps`: mean value analysis's throughput at the cell's users (a closed loop)."""
    found = bounds(demands, capacity, load)
    top = ceiling(found)
    seen = dict(measured or {})
    law = utilization(rps, found)
    if top is None or top.rps <= 0:
        return Verdict(None, None, None, None, law, seen, found)
    ceiling_rps, formula = top.rps, top.formula
    if predicted_rps is not None and 0 < predicted_rps < KNEE * top.rps:
        ceiling_rps = predicted_rps
        formula = (
            f"mean value analysis at {load.users} users over the same demands, under the bound "
            f"{top.formula} = {top.rps:.4g} req/s"
        )
    efficiency = rps / ceiling_rps
    binding: Binding = top.resource
    if seen.get("generator", 0.0) >= GENERATOR_SATURATED:
        binding = "generator"
    elif not EXPLAINED <= efficiency <= ABOVE:
        binding = "unexplained"
    return Verdict(ceiling_rps, formula, binding, efficiency, law, seen, found)


def grown(verdict: Verdict) -> dict[Resource, float]:
    """Resources measured near saturation, and how many times fuller than their demand at one user
    explains (measured utilization / the law's): what a reader of an unexplained cell looks at first."""
    return {
        r: u / verdict.utilization[r]
        for r, u in verdict.measured.items()
        if u >= SATURATED and verdict.utilization.get(r, 0.0) > 0
    }


def generator_queue(
    verdict: Verdict, rps: float, demands: Demands, capacity: Capacity, load: Load, grown_ms: float | None
) -> Verdict:
    """`verdict`, or the load generator's where it explains a closed-loop cell below the band, or one the
    users bind under TIGHT (see the module): `grown_ms`, the cell's mean time outside the server less
    one user's."""
    short = verdict.binding == "unexplained" or (
        verdict.binding == "users" and verdict.efficiency is not None and verdict.efficiency < TIGHT
    )
    if (
        not short or verdict.efficiency is None or verdict.efficiency > ABOVE
        or load.rate is not None or grown_ms is None or grown_ms <= 0
    ):  # fmt: skip
        return verdict
    slowed = replace(demands, wall_ms=demands.wall_ms + grown_ms)
    again = judge(rps, slowed, capacity, load, measured=verdict.measured)
    top = ceiling(again.bounds)
    if again.binding != "users" or top is None or again.ceiling_rps is None:
        return verdict
    formula = (
        f"{top.formula}, R0 grown by {grown_ms:.3g} ms the requests spent outside the server beyond one "
        f"user's (the load generator's side)"
    )
    return replace(again, binding="generator", ceiling_formula=formula, utilization=verdict.utilization)
