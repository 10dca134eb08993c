"""bench/tune.py's arithmetic, apart from the runs: the grid's best point over repeated cells, and the
pick against it over interleaved rounds (issue 23's "within 5% of the grid's best").

One short cell on a shared 2-core machine moves by 15 to 25% run to run, so a ratio of two single cells
cannot show 5%. The grid's cells are each the median of repeated runs, with a 95% interval of the mean;
its best point is the best median among the points that met the SLO, and the points whose interval
overlaps the best's are named as tied with it (the machine cannot tell them apart). The pick and that
best point are then measured against each other, round by round, the order alternating, and judged by
the ratio of their means with a paired bootstrap interval (lab.stats.bootstrap.ratio_ci).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lab.stats.bootstrap import ratio_ci

WITHIN = 0.95  # issue 23: the pick's throughput within 5% of the grid's best
CellData = Mapping[str, object]  # a cell of summary.json as read (config, status, rps, rps_ci, p95_ms, ...)


@dataclass(frozen=True)
class GridBest:
    config: str
    rps: float  # the median run's
    rps_ci: tuple[float, float] | None
    ties: tuple[str, ...]  # other points that met the SLO whose interval overlaps the best's


@dataclass(frozen=True)
class Duel:
    """The pick against the grid's best, measured in the same rounds."""

    rounds: int  # rounds where both sides measured
    pick_rps: tuple[float, ...]
    best_rps: tuple[float, ...]
    ratio: float | None  # mean(pick) / mean(best)
    lo: float | None
    hi: float | None
    ratio_of_medians: float | None

    @property
    def within(self) -> bool | None:
        """Within 5% or better, as far as the rounds can tell: the interval reaches 0.95."""
        return None if self.hi is None else self.hi >= WITHIN

    @property
    def shown(self) -> bool | None:
        """Within 5% or better even at the interval's low end."""
        return None if self.lo is None else self.lo >= WITHIN


def meets(cell: CellData, slo: str) -> bool:
    """The cell measured and met `FIELD<BOUND` (the bench's SLOs are all of that form)."""
    field, _, bound = slo.partition("<")
    value = cell.get(field)
    return cell.get("status") == "ok" and isinstance(value, int | float) and value < float(bound)


def _interval(cell: CellData) -> tuple[float, float] | None:
    found = cell.get("rps_ci")
    if isinstance(found, Sequence) and len(found) == 2:
        return float(found[0]), float(found[1])
    return None


def _rps(cell: CellData) -> float:
    value = cell.get("rps")
    return float(value) if isinstance(value, int | float) else 0.0


def grid_best(cells: Sequence[CellData], slo: str) -> GridBest | None:
    """The best median req/s among the cells that met the SLO, and the cells tied with it."""
    met = [c for c in cells if meets(c, slo)]
    if not met:
        return None
    best = max(met, key=_rps)
    span = _interval(best)
    ties = []
    for cell in met:
        other = _interval(cell)
        overlap = span is not None and other is not None and other[0] <= span[1] and span[0] <= other[1]
        if cell is not best and overlap:
            ties.append(str(cell["config"]))
    return GridBest(str(best["config"]), _rps(best), span, tuple(ties))


def order(round_number: int, pick: str, best: str) -> list[str]:
    """Round 1 the pick first, round 2 the best first, and so on: neither side always goes first."""
    return [pick, best] if round_number % 2 else [best, pick]


def duel(pairs: Sequence[tuple[float | None, float | None]]) -> Duel:
    """(pick req/s, best req/s) per round; a round where either side did not measure is left out."""
    both = [(p, b) for p, b in pairs if p is not None and b is not None and p > 0 and b > 0]
    pick, best = tuple(float(p) for p, _ in both), tuple(float(b) for _, b in both)
    if len(both) < 2:
        return Duel(len(both), pick, best, None, None, None, None)
    found = ratio_ci(best, pick)
    medians = statistics.median(pick) / statistics.median(best)
    return Duel(len(both), pick, best, found.estimate, found.lo, found.hi, medians)
