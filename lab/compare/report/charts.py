"""The SVG charts of report.html: grouped horizontal bars, small line panels and sweep curves.

Numbers in, SVG out: this module computes every shape of a chart in Python (typed: `Label`, `Rule`,
`Block`, `Dot`, `Trace`, `Group` in an `Svg`) and templates/chart.svg.j2 writes the markup, autoescaped.
A chart is returned as `Markup`, so the page template inserts it as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from lab.shared.output import fmt

# Okabe-Ito: tells scenarios apart for colour-blind readers too.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999933", "#882255")


def nice_ticks(vmax: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least `vmax`."""
    if vmax <= 0 or not math.isfinite(vmax):
        return [0.0, 1.0]
    raw = vmax / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(vmax / step - 1e-9) + 1)]


@dataclass(frozen=True)
class Label:
    kind: ClassVar[str] = "text"
    x: float
    y: float
    text: str
    css: str = ""
    anchor: str = "start"


@dataclass(frozen=True)
class Rule:
    kind: ClassVar[str] = "line"
    x1: float
    y1: float
    x2: float
    y2: float
    css: str


@dataclass(frozen=True)
class Block:
    """A bar, with its tooltip."""

    kind: ClassVar[str] = "rect"
    x: float
    y: float
    width: float
    height: float
    fill: str
    tip: str


@dataclass(frozen=True)
class Dot:
    kind: ClassVar[str] = "dot"
    x: float
    y: float
    r: float
    css: str = ""
    tip: str | None = None


@dataclass(frozen=True)
class Trace:
    """A polyline through `points`."""

    kind: ClassVar[str] = "trace"
    points: list[tuple[float, float]]
    css: str = ""


@dataclass(frozen=True)
class Group:
    """Shapes drawn in one colour (`currentColor` in the CSS)."""

    kind: ClassVar[str] = "group"
    color: str
    shapes: list[Dot | Trace] = field(default_factory=list)


Shape = Label | Rule | Block | Dot | Trace | Group


@dataclass(frozen=True)
class Svg:
    css: str
    width: float
    height: float
    title: str
    shapes: list[Shape]


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


TEMPLATES = Environment(
    loader=PackageLoader("lab.compare.report", "templates"), autoescape=True, undefined=StrictUndefined,
)  # fmt: skip
TEMPLATES.filters["n"] = _coordinate


def svg(chart: Svg) -> Markup:
    """The chart's markup (templates/chart.svg.j2)."""
    return Markup(TEMPLATES.get_template("chart.svg.j2").render(svg=chart))


@dataclass(frozen=True)
class Bar:
    group: str  # the configuration: bars are grouped under it
    name: str  # the scenario
    color: str
    value: float | None  # None: no measurement (failed)
    note: str  # printed right of the plot
    marker: float | None = None  # the ceiling, or p50
    whisker: tuple[float, float] | None = None  # min-max over runs, or p95-p99
    failed: str | None = None
    warn: bool = False


def hbars(title: str, bars: Sequence[Bar], unit: str, marker_css: str) -> Markup:
    """Horizontal bars grouped by configuration, with a marker line and a whisker per bar."""
    label_w, plot_w, note_w = 150.0, 380.0, 330.0
    bar_h, gap, group_gap, head, top = 16.0, 5.0, 10.0, 18.0, 6.0
    extent = (
        [b.value or 0 for b in bars]
        + [b.marker or 0 for b in bars]
        + [b.whisker[1] for b in bars if b.whisker]
    )
    ticks = nice_ticks(max(extent, default=0))
    scale = plot_w / ticks[-1]
    x0 = label_w
    parts: list[Shape] = []
    y = top
    for group in dict.fromkeys(b.group for b in bars):
        parts.append(Label(4, y + 12, group, "group"))
        y += head
        for bar in (b for b in bars if b.group == group):
            mid = y + bar_h / 2
            parts.append(Label(x0 - 6, mid + 4, bar.name, "label", "end"))
            if bar.value is None:
                parts.append(Label(x0 + 4, mid + 4, f"failed: {(bar.failed or '')[:90]}", "fail"))
            else:
                tip = f"{bar.group} · {bar.name}: {bar.note}"
                parts.append(Block(x0, y, max(bar.value * scale, 1.0), bar_h, bar.color, tip))
                if bar.whisker:
                    lo, hi = (x0 + v * scale for v in bar.whisker)
                    parts.append(Rule(lo, mid, hi, mid, "whisker"))
                    parts += [Rule(x, mid - 4, x, mid + 4, "whisker") for x in (lo, hi)]
                if bar.marker is not None:
                    xm = x0 + bar.marker * scale
                    parts.append(Rule(xm, y - 3, xm, y + bar_h + 3, marker_css))
                parts.append(Label(x0 + plot_w + 10, mid + 4, bar.note, "warn" if bar.warn else "note"))
            y += bar_h + gap
        y += group_gap
    grid: list[Shape] = [Rule(x0 + t * scale, top, x0 + t * scale, y, "grid") for t in ticks]
    grid += [Label(x0 + t * scale, y + 13, fmt(float(t)), "tick", "middle") for t in ticks]
    grid.append(Label(x0 + plot_w, y + 26, unit, "tick", "end"))
    return svg(Svg("chart", label_w + plot_w + note_w, y + 32, title, grid + parts))


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: list[tuple[float, float]]


def panel(
    title: str, series: Sequence[Series], ymax: float, xmax: float, limit: float | None = None
) -> Markup:
    """One small line chart (a cell of a small-multiples grid); the y scale is shared by its row."""
    width, height, left, bottom, top = 280.0, 110.0, 38.0, 16.0, 18.0
    plot_w, plot_h = width - left - 6, height - top - bottom
    ticks = nice_ticks(max(ymax, limit or 0), 2)
    ytop, xtop = ticks[-1], max(xmax, 1.0)

    def xy(x: float, y: float) -> tuple[float, float]:
        return left + x / xtop * plot_w, top + plot_h - min(y, ytop) / ytop * plot_h

    parts: list[Shape] = [Label(2, 12, title, "ptitle")]
    for t in ticks:
        yy = top + plot_h - t / ytop * plot_h
        parts += [
            Rule(left, yy, left + plot_w, yy, "grid"),
            Label(left - 3, yy + 3, fmt(float(t)), "tick", "end"),
        ]
    parts.append(Label(left + plot_w, height - 3, f"{fmt(float(xtop))} s", "tick", "end"))
    if limit is not None:
        yy = top + plot_h - min(limit, ytop) / ytop * plot_h
        parts.append(Rule(left, yy, left + plot_w, yy, "limit"))
    drawn = [s for s in series if s.points]
    for s in drawn:
        if len(s.points) == 1:
            parts.append(Dot(*xy(*s.points[0]), r=2.5, css=s.css))
        else:
            parts.append(Trace([xy(x, y) for x, y in s.points], s.css))
    if not drawn:
        parts.append(Label(left + plot_w / 2, top + plot_h / 2, "no data", "tick", "middle"))
    return svg(Svg("panel", width, height, title, parts))


@dataclass(frozen=True)
class Line:
    name: str
    color: str
    values: list[float | None]  # one per x label; None: no measurement there
    model: bool = False  # the model's prediction: dashed, no dots


def curve(title: str, xlabels: Sequence[str], lines: Sequence[Line], unit: str, xname: str) -> Markup:
    """Values against the swept values of a key, one line per series; the x axis is the values in order."""
    width, height, left, right, bottom, top = 460.0, 200.0, 52.0, 12.0, 34.0, 22.0
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((v for ln in lines for v in ln.values if v is not None), default=0.0), 4)
    ytop = ticks[-1]
    step = plot_w / max(len(xlabels) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(xlabels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - v / ytop * plot_h

    parts: list[Shape] = [Label(2, 13, title, "ptitle")]
    for t in ticks:
        parts += [
            Rule(left, y(t), left + plot_w, y(t), "grid"),
            Label(left - 4, y(t) + 3, fmt(t), "tick", "end"),
        ]
    parts += [Label(x(i), top + plot_h + 13, label, "tick", "middle") for i, label in enumerate(xlabels)]
    parts.append(Label(left + plot_w, height - 3, f"{xname} → ({unit})", "tick", "end"))
    for ln in lines:
        marks = [(x(i), y(v), v) for i, v in enumerate(ln.values) if v is not None]
        dots: list[Dot | Trace] = [
            Dot(cx, cy, 3 if not ln.model else 1.5, tip=f"{ln.name}: {fmt(v)} {unit}") for cx, cy, v in marks
        ]
        css = "model" if ln.model else ""
        trace: list[Dot | Trace] = [Trace([(cx, cy) for cx, cy, _ in marks], css)] if len(marks) > 1 else []
        parts.append(Group(ln.color, trace + dots))
    return svg(Svg("curve", width, height, title, parts))
