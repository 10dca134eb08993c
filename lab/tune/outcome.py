"""What a search found, as tune.json records it: the points, the pick and the runner-up, the capacity, the
USL fit (when at least 6 points lie along workers or users) and one sentence of advice from the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.model.usl import MIN_POINTS, FitError, fit
from lab.tune.capacity import Capacity, along
from lab.tune.record import CapacityRecord, CapacityStep, Point, UslRecord
from lab.tune.search import Candidate, Search, closest


def point(c: Candidate, root: str) -> Point:
    cell = c.cell
    status = "skipped" if cell is None else ("measured" if cell.status == "ok" else "failed")
    return Point(
        name=c.config.name, values=c.values, order=c.order,
        model_rps=round(c.raw.rps, 3) if c.raw else None,
        model_response_ms=round(c.raw.response_ms, 3) if c.raw else None,
        predicted_rps=_round(c.predicted.get("rps")), predicted_p95_ms=_round(c.predicted.get("p95_ms")),
        rps=cell.rps if cell else None, p95_ms=cell.p95_ms if cell else None,
        failure_ratio=cell.failure_ratio if cell else None, binding=cell.binding if cell else None,
        status=status, meets=c.meets if cell else None, missed=c.missed, note=c.note,
        cells=f"{root}/{c.order:02d}-{c.config.name}" if c.order else None,
    )  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def runner_up(search: Search, pick: Candidate | None) -> tuple[Candidate | None, str | None]:
    """The best other point measured, and why it lost to the pick."""
    others = [c for c in search.measured if c is not pick and c.cell is not None]
    if pick is None or not others:
        return None, None
    second = max(others, key=lambda c: (c.meets, c.rps))
    if not second.meets:
        return second, "missed: " + "; ".join(second.missed)
    if search.open_model and second.rps >= pick.rps * (1 - search.noise):
        return second, f"p95 {second.p95:.4g} ms against the pick's {pick.p95:.4g} ms at the same rate"
    less = 1 - second.rps / pick.rps if pick.rps else 0.0
    return second, f"{less:.0%} fewer req/s ({second.rps:.4g} against {pick.rps:.4g})"


def closest_text(search: Search) -> str | None:
    found = closest(search.candidates, search.slos)
    if found is None:
        return None
    c, miss = found
    how = "failed" if miss == float("inf") else f"missed by {miss:.0%}"
    return f"{c.config.name} ({how}: {'; '.join(c.missed)})"


def capacity_record(found: Capacity | None) -> CapacityRecord | None:
    if found is None:
        return None
    steps = [
        CapacityStep(load=s.load, rps=s.cell.rps, p95_ms=s.cell.p95_ms, meets=s.meets) for s in found.steps
    ]
    return CapacityRecord(unit=found.unit, at_least=found.at_least, below=found.below, steps=steps)


def usl(search: Search, pick: Candidate | None, found: Capacity | None) -> UslRecord | None:
    """The USL over at least 6 points along workers (the pick's other keys fixed), else along users."""
    if pick is None or pick.cell is None:
        return None
    rest = {k: v for k, v in pick.values.items() if k != "workers"}
    by_workers = [
        (float(c.workers), c.rps)
        for c in search.measured
        if c.meets or (c.cell is not None and c.cell.status == "ok")
        if {k: v for k, v in c.values.items() if k != "workers"} == rest
    ]
    series = [("workers", by_workers)]
    if found is not None:
        series.append((found.unit, along(float(pick.cell.users), pick.cell, found)))
    for axis, points in series:
        if len({n for n, _ in points}) >= MIN_POINTS:
            return _usl(axis, points)
    return None


def _usl(axis: str, points: Sequence[tuple[float, float]]) -> UslRecord | None:
    try:
        law = fit(points)
    except FitError:
        return None
    top = max(n for n, _ in points)
    peak = law.peak_n
    return UslRecord(
        axis=axis, sigma=round(law.sigma, 5), kappa=round(law.kappa, 6), lam=round(law.lam, 3),
        rmse=round(law.rmse, 3), relative_error=round(law.relative_error, 4), points=law.points,
        peak_n=None if peak is None else round(peak, 2),
        peak_rps=None if peak is None else round(law.rps(peak), 3),
        extrapolated={"2x": round(law.rps(2 * top), 3), "4x": round(law.rps(4 * top), 3)},
    )  # fmt: skip


@dataclass(frozen=True)
class Advice:
    pick: Candidate | None
    second: Candidate | None
    lost: str | None
    capacity: Capacity | None
    closest: str | None
    slos: str


def advice(a: Advice) -> str:
    """One sentence computed from the numbers."""
    if a.pick is None or a.pick.cell is None:
        return (
            f"No point of the space meets {a.slos}; the closest is {a.closest}: relieve what bound it first."
        )
    cell = a.pick.cell
    text = f"Use {a.pick.config.name}: {cell.rps or 0:.4g} req/s at p95 {a.pick.p95:.4g} ms meets {a.slos}"
    if cell.binding and cell.binding != "unexplained":
        text += f", bound by {cell.binding}"
    if a.second is not None and a.lost:
        text += f"; {a.second.config.name} lost ({a.lost})"
    if a.capacity is not None:
        unit = "users" if a.capacity.unit == "users" else "req/s offered"
        limit = (
            f"misses at {a.capacity.below:g}"
            if a.capacity.below is not None
            else "did not miss in this search"
        )
        text += f"; it holds the SLOs up to at least {a.capacity.at_least:g} {unit} ({limit})"
    return text + "."


def slo_text(search: Search) -> str:
    return " and ".join(s.expr for s in search.slos) or "no SLO"
