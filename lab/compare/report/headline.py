"""The verdict table the report opens with (issue 14 §2): per scenario, the best configuration, by how
much, and the limit that bound it. The charts and the sentences below it say why; this is the answer first.

A pure function: cells in, one row per scenario out, in run order. Failed and failing cells (issue 21 §4)
are never the best and are named with the reason, not compared. With --repeat 3 or more, each cell has a
95% interval of its req/s: the configurations whose interval overlaps the best one's are a **tie** with
it (issue 22 §1), never a winner named by noise.
(Not to be confused with lab.compare.results.verdicts: a gate's verdict on one cell.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.compare import explain
from lab.compare.results.summary import Cell


@dataclass(frozen=True)
class Headline:
    scenario: str
    best: str  # the configuration (and load, in a sweep) that served the most req/s; "" when none ran
    rps: str  # its req/s, as the report writes a number
    margin: str  # by how much, against the next configuration
    limit: str  # what bound the best cell: the model's limit when reached, else the likely cause


def _margin(good: list[Cell], failed: str) -> str:
    if len(good) < 2:
        text = "the only configuration that ran" if failed else "the only configuration measured"
    else:
        best, second = good[0], good[1]
        ratio = explain.rps(best) / explain.rps(second) if explain.rps(second) else None
        if ratio is None:
            text = f"{second.point} served none"
        elif ratio < explain.SAME:
            text = f"within {round((explain.SAME - 1) * 100)}% of {second.point} ({explain.num(second.rps)})"
        else:
            text = f"{explain.times(ratio)} {second.point} ({explain.num(second.rps)})"
    return text + (f"; {failed}" if failed else "")


def _interval(cell: Cell) -> str:
    lo, hi = cell.rps_ci or (0.0, 0.0)
    return f"{cell.point} [{explain.num(lo)}, {explain.num(hi)}]"


def _tie(good: list[Cell], failed: str) -> tuple[str, str] | None:
    """(best, margin) when the best's req/s interval overlaps others': a tie, with the intervals."""
    tied = [c for c in good[1:] if explain.tied(good[0], c)]
    if not tied:
        return None
    names = ", ".join(c.point for c in [good[0], *tied])
    margin = "95% intervals of req/s overlap: " + "; ".join(_interval(c) for c in [good[0], *tied])
    return f"tie: {names}", margin + (f"; {failed}" if failed else "")


def rows(cells: Sequence[Cell]) -> list[Headline]:
    """One row per scenario: the configuration with the most req/s, its margin over the next, its limit."""
    headlines = []
    for scenario in explain.scenarios(cells):
        row = [c for c in cells if c.scenario == scenario]
        good = sorted((c for c in row if explain.ranked(c)), key=explain.rps, reverse=True)
        failed = explain.left_out(row)
        if not good:
            points = ", ".join(c.point for c in row)
            nobody = f"every configuration failed ({points})" if not any(map(explain.ok, row)) else failed
            headlines.append(Headline(scenario, best="", rps="", margin=nobody, limit=""))
            continue
        best = good[0]
        name, margin = _tie(good, failed) or (best.point, _margin(good, failed))
        headlines.append(Headline(scenario, name, explain.num(best.rps), margin, best.bottleneck or ""))
    return headlines
