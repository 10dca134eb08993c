"""Capacity at the SLO (issue 23): for the pick, the highest load (users, or the open model's rate) that
still meets every SLO, by a short search: double the load until a cell misses, then bisect between the
last that met and the first that missed, `steps` cells in all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lab.compare.results.summary import Cell

STEPS = 3  # --capacity-steps' default: 2x, then 4x or the middle, then once more
CLOSE = 0.1  # a bracket within 10% of its low end is found


@dataclass(frozen=True)
class Step:
    load: float
    cell: Cell
    meets: bool


@dataclass
class Capacity:
    unit: str  # "users" or "rate"
    at_least: float  # the highest load measured that met every SLO
    below: float | None = None  # the lowest that missed (None: none did; the capacity is higher)
    steps: list[Step] = field(default_factory=list)


def _next(low: float, high: float | None, whole: bool) -> float:
    value = low * 2 if high is None else (low + high) / 2
    return float(int(value)) if whole else round(value, 1)


def search(
    found: Capacity, steps: int, measure: Callable[[float], Cell], meets: Callable[[Cell], bool]
) -> Capacity:
    """From `found.at_least` (met by the pick), `steps` cells at most, each recorded in `found` as it is
    measured (a KeyboardInterrupt passes, and `found` keeps what was measured)."""
    whole = found.unit == "users"
    while len(found.steps) < steps:
        load = _next(found.at_least, found.below, whole)
        if load <= found.at_least or (found.below is not None and load >= found.below):
            break  # the bracket is as tight as whole users make it
        cell = measure(load)
        ok = meets(cell)
        found.steps.append(Step(load, cell, ok))
        if ok:
            found.at_least = load
        else:
            found.below = load
        if found.below is not None and found.below - found.at_least <= CLOSE * found.at_least:
            break
    return found


def along(pick_load: float, pick: Cell, found: Capacity) -> list[tuple[float, float]]:
    """(load, req/s) of every cell the pick ran at: the points along the users (or rate) for the USL."""
    points = [(pick_load, pick.rps or 0.0)]
    points += [(s.load, s.cell.rps or 0.0) for s in found.steps if s.cell.status == "ok"]
    return sorted(points)
