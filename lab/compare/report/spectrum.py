"""The percentile spectrum of report.html (issue 25): latency against 1/(1-q), p50 to p99.99, per scenario,
one line per configuration (the point, when the load was swept), from each cell's `.hgrm` file.

The x axis is logarithmic in 1/(1-q), as HdrHistogram's plotter draws it: every "nine" (90%, 99%, 99.9%)
gets the same width, so the tail is as legible as the median.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from lab.compare.report import charts
from lab.compare.report.charts import Dot, Group, Label, Rule, Shape, Svg, Trace
from lab.compare.report.rundir import Run
from lab.shared.output import fmt

FIRST, LAST = 0.5, 0.9999  # the spectrum drawn: p50 to p99.99
TICKS = ((0.5, "50%"), (0.9, "90%"), (0.99, "99%"), (0.999, "99.9%"), (0.9999, "99.99%"))


@dataclass(frozen=True)
class Line:
    name: str
    color: str
    points: list[tuple[float, float]]  # (q, ms), q in [FIRST, LAST]


@dataclass(frozen=True)
class Figure:
    scenario: str
    swatches: list[tuple[str, str]]  # point, colour
    chart: Markup


def _nines(q: float) -> float:
    """log10 of 1/(1-q): 0.3 at p50, 1 at p90, 2 at p99, 4 at p99.99."""
    return math.log10(1 / (1 - q))


def chart(title: str, lines: list[Line]) -> Markup:
    width, height, left, right, bottom, top = 560.0, 230.0, 56.0, 28.0, 34.0, 22.0
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = charts.nice_ticks(max((ms for ln in lines for _, ms in ln.points), default=0.0), 4)
    lo, hi, ytop = _nines(FIRST), _nines(LAST), ticks[-1]

    def x(q: float) -> float:
        return left + (_nines(q) - lo) / (hi - lo) * plot_w

    def y(ms: float) -> float:
        return top + plot_h - ms / ytop * plot_h

    parts: list[Shape] = [Label(2, 13, title, "ptitle")]
    for t in ticks:
        parts += [
            Rule(left, y(t), left + plot_w, y(t), "grid"),
            Label(left - 4, y(t) + 3, fmt(t), "tick", "end"),
        ]
    for q, text in TICKS:
        parts += [
            Rule(x(q), top, x(q), top + plot_h, "grid"),
            Label(x(q), top + plot_h + 13, text, "tick", "middle"),
        ]
    parts.append(
        Label(left + plot_w, height - 3, "percentile, 1/(1-q) on a log scale → (latency, ms)", "tick", "end")
    )
    for ln in lines:
        marks = [(x(q), y(ms), q, ms) for q, ms in ln.points]
        shapes: list[Dot | Trace] = [Trace([(mx, my) for mx, my, _, _ in marks])] if len(marks) > 1 else []
        last = marks[-1] if marks else None
        if last is not None:
            shapes.append(Dot(last[0], last[1], 2.5, tip=f"{ln.name}: p{last[2] * 100:g} {fmt(last[3])} ms"))
        parts.append(Group(ln.color, shapes))
    return charts.svg(Svg("spectrum", width, height, title, parts))


def _at(rows: list[tuple[float, float]], q: float) -> list[tuple[float, float]]:
    """(q, the value at q): that of the first row at or past q, as HdrHistogram reads a percentile."""
    return next(([(q, ms)] for at, ms in rows if at >= q), [])


def _points(rows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    inside = [(q, ms) for q, ms in rows if FIRST < q < LAST]
    return _at(rows, FIRST) + inside + _at(rows, LAST)


def figures(run: Run) -> list[Figure]:
    """One chart per scenario with a recorded distribution, a line per configuration."""
    found = []
    for scenario in run.scenarios:
        cells = [c for c in run.cells if c.scenario == scenario and c.key in run.spectra]
        lines = [
            Line(
                c.point,
                charts.PALETTE[run.configs.index(c.point) % len(charts.PALETTE)],
                _points(run.spectra[c.key]),
            )
            for c in cells
        ]
        lines = [ln for ln in lines if ln.points]
        if lines:
            title = f"{scenario}: latency by percentile"
            found.append(Figure(scenario, [(ln.name, ln.color) for ln in lines], chart(title, lines)))
    return found
