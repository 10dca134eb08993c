"""The SVG charts of report.html: grouped horizontal bars and small line panels.

Numbers in, SVG out. Every piece of text is escaped here, so a chart is returned as `Markup` and the
page template can insert it as it is (the template escapes everything else itself).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

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


def _n(value: float) -> str:
    """A coordinate."""
    return f"{value:.1f}"


def _svg(width: float, height: float, title: str, body: str, css: str = "chart") -> Markup:
    return Markup(
        f'<svg class="{css}" role="img" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}"><title>{escape(title)}</title>{body}</svg>'
    )


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{cls}>{escape(text)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" class="{css}"/>'


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
    parts: list[str] = []
    y = top
    for group in dict.fromkeys(b.group for b in bars):
        parts.append(_text(4, y + 12, group, "group"))
        y += head
        for bar in (b for b in bars if b.group == group):
            mid = y + bar_h / 2
            parts.append(_text(x0 - 6, mid + 4, bar.name, "label", "end"))
            if bar.value is None:
                parts.append(_text(x0 + 4, mid + 4, f"failed: {(bar.failed or '')[:90]}", "fail"))
            else:
                tip = escape(f"{bar.group} · {bar.name}: {bar.note}")
                parts.append(
                    f'<rect x="{_n(x0)}" y="{_n(y)}" width="{_n(max(bar.value * scale, 1.0))}" '
                    f'height="{_n(bar_h)}" fill="{escape(bar.color)}"><title>{tip}</title></rect>'
                )
                if bar.whisker:
                    lo, hi = (x0 + v * scale for v in bar.whisker)
                    parts.append(_line(lo, mid, hi, mid, "whisker"))
                    parts += [_line(x, mid - 4, x, mid + 4, "whisker") for x in (lo, hi)]
                if bar.marker is not None:
                    xm = x0 + bar.marker * scale
                    parts.append(_line(xm, y - 3, xm, y + bar_h + 3, marker_css))
                parts.append(_text(x0 + plot_w + 10, mid + 4, bar.note, "warn" if bar.warn else "note"))
            y += bar_h + gap
        y += group_gap
    grid = [_line(x0 + t * scale, top, x0 + t * scale, y, "grid") for t in ticks]
    grid += [_text(x0 + t * scale, y + 13, fmt(float(t)), "tick", "middle") for t in ticks]
    grid.append(_text(x0 + plot_w, y + 26, unit, "tick", "end"))
    return _svg(label_w + plot_w + note_w, y + 32, title, "".join(grid + parts))


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

    def xy(x: float, y: float) -> tuple[str, str]:
        return _n(left + x / xtop * plot_w), _n(top + plot_h - min(y, ytop) / ytop * plot_h)

    parts = [_text(2, 12, title, "ptitle")]
    for t in ticks:
        yy = top + plot_h - t / ytop * plot_h
        parts += [
            _line(left, yy, left + plot_w, yy, "grid"),
            _text(left - 3, yy + 3, fmt(float(t)), "tick", "end"),
        ]
    parts.append(_text(left + plot_w, height - 3, f"{fmt(float(xtop))} s", "tick", "end"))
    if limit is not None:
        yy = top + plot_h - min(limit, ytop) / ytop * plot_h
        parts.append(_line(left, yy, left + plot_w, yy, "limit"))
    drawn = [s for s in series if s.points]
    for s in drawn:
        if len(s.points) == 1:
            cx, cy = xy(*s.points[0])
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" class="{s.css}"/>')
        else:
            points = " ".join(",".join(xy(x, y)) for x, y in s.points)
            parts.append(f'<polyline points="{points}" class="{s.css}"/>')
    if not drawn:
        parts.append(_text(left + plot_w / 2, top + plot_h / 2, "no data", "tick", "middle"))
    return _svg(width, height, title, "".join(parts), "panel")


@dataclass(frozen=True)
class Line:
    name: str
    color: str
    values: list[float | None]  # one per x label; None: no measurement there


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

    parts = [_text(2, 13, title, "ptitle")]
    for t in ticks:
        parts += [
            _line(left, y(t), left + plot_w, y(t), "grid"),
            _text(left - 4, y(t) + 3, fmt(t), "tick", "end"),
        ]
    parts += [_text(x(i), top + plot_h + 13, label, "tick", "middle") for i, label in enumerate(xlabels)]
    parts.append(_text(left + plot_w, height - 3, f"{xname} → ({unit})", "tick", "end"))
    for ln in lines:
        marks = [(x(i), y(v), v) for i, v in enumerate(ln.values) if v is not None]
        body = "".join(
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="3">'
            f"<title>{escape(f'{ln.name}: {fmt(v)} {unit}')}</title></circle>"
            for cx, cy, v in marks
        )
        if len(marks) > 1:
            body = f'<polyline points="{" ".join(f"{_n(cx)},{_n(cy)}" for cx, cy, _ in marks)}"/>' + body
        parts.append(f'<g style="color:{escape(ln.color)}">{body}</g>')
    return _svg(width, height, title, "".join(parts), "curve")
