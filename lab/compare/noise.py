"""The machine's own noise, read off repeated runs (issue 22 §2): how much req/s moved between the runs of
a cell (the noise floor), and the smallest change a comparison of that many runs a side could detect.

The noise floor is the coefficient of variation (standard deviation over mean) of each cell's req/s over
its runs, the median over the cells; the smallest detectable change is lab.stats.significance.detectable
(alpha 0.05, power 80%) at that median spread and that many runs a side.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from lab.compare.results.summary import Cell
from lab.stats.significance import detectable


def _cv(values: Sequence[float]) -> float:
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean > 0 else 0.0


def sentences(cells: Sequence[Cell]) -> list[str]:
    """One sentence with the noise floor and the smallest detectable change; none without repeats."""
    repeated = [c for c in cells if c.status == "ok" and len(c.rps_runs) > 1]
    if not repeated:
        return []
    spreads = {c.label: _cv(c.rps_runs) for c in repeated}
    widest = max(spreads, key=lambda k: spreads[k])
    floor = statistics.median(spreads.values())
    runs = min(len(c.rps_runs) for c in repeated)
    text = (
        f"Noise floor: req/s moved by a median {floor:.1%} between the runs of a cell (coefficient of "
        f"variation), {spreads[widest]:.1%} at most ({widest})"
    )
    # What the median cell's spread lets two such sets of runs tell apart.
    median_cell = min(repeated, key=lambda c: abs(spreads[c.label] - floor))
    smallest = detectable(median_cell.rps_runs, runs)
    if smallest is not None:
        text += (
            f"; with {runs} runs a side, the smallest change of req/s a comparison could detect "
            f"(alpha 0.05, power 80%) is about {smallest:.0%}"
        )
    return [text]
