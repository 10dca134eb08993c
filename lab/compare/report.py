"""report.html and the terminal summary of a result directory.

One self-contained page that opens offline: inline CSS and SVG charts drawn here, no script, no fonts,
no network. Everything comes from the files of the result directory (summary.json, cells/*.json,
claims.json when present), so `lab report DIR` renders the same page again from saved data.
"""

from __future__ import annotations

import contextlib
import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.compare import diff as diffs
from lab.compare import explain, flags, results

Cell = dict[str, Any]
Key = tuple[str, str]
e = html.escape
# Okabe-Ito: tells scenarios apart for colour-blind readers too.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999933", "#882255")


@dataclass
class Run:
    """A result directory as the report reads it."""

    out: Path
    meta: dict[str, Any]
    cells: list[Cell]
    details: dict[Key, dict[str, Any]] = field(default_factory=dict)  # cells/<config>__<scenario>.json
    claims: list[dict[str, Any]] | None = None
    claims_error: str | None = None

    @property
    def configs(self) -> list[str]:
        named = [c["name"] for c in self.meta.get("configs", [])]
        return list(dict.fromkeys([*named, *explain.ordered(self.cells, "config")]))

    @property
    def scenarios(self) -> list[str]:
        return list(
            dict.fromkeys([*self.meta.get("scenarios", []), *explain.ordered(self.cells, "scenario")])
        )

    def color(self, scenario: str) -> str:
        return PALETTE[self.scenarios.index(scenario) % len(PALETTE)]

    def kinds(self) -> dict[str, list[str]]:
        """Endpoint kind -> its scenarios that have a cell, in run order."""
        kinds: dict[str, list[str]] = {}
        for scenario in self.scenarios:
            cell = next((c for c in self.cells if c["scenario"] == scenario), None)
            if cell is not None:
                kinds.setdefault(cell.get("kind") or scenario, []).append(scenario)
        return kinds

    def history(self, key: Key) -> list[dict[str, Any]]:
        return list(self.details.get(key, {}).get("history") or [])

    def timeline(self, key: Key) -> list[dict[str, Any]]:
        return list(self.details.get(key, {}).get("server_timeline") or [])


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load(out: Path) -> Run:
    meta, cells = results.load(out)
    run = Run(out, meta, cells)
    for cell in cells:
        path = out / "cells" / f"{cell['config']}__{cell['scenario']}.json"
        # A failed cell, or a run killed mid-write: its panels say "no data".
        with contextlib.suppress(OSError, ValueError):
            run.details[(cell["config"], cell["scenario"])] = _read_json(path)
    claims = out / "claims.json"
    if claims.is_file():
        try:
            data = _read_json(claims)
            items = data.get("claims") if isinstance(data, dict) else data
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ValueError("expected a list of {id, claim, verdict, evidence} objects")
            run.claims = items
        except (OSError, ValueError) as exc:
            run.claims_error = f"claims.json could not be read: {exc}"
    return run


# -- SVG primitives -------------------------------------------------------------------------------------


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


def _svg(width: float, height: float, title: str, body: str, css: str = "chart") -> str:
    return (
        f'<svg class="{css}" role="img" width="{_n(width)}" '
        f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}"><title>{e(title)}</title>{body}</svg>'
    )


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{cls}>{e(text)}</text>'


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


def hbars(title: str, bars: Sequence[Bar], unit: str, marker_css: str) -> str:
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
                width = max(bar.value * scale, 1.0)
                parts.append(
                    f'<rect x="{_n(x0)}" y="{_n(y)}" width="{_n(width)}" height="{_n(bar_h)}" '
                    f'fill="{bar.color}"><title>{e(f"{bar.group} · {bar.name}: {bar.note}")}</title></rect>'
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
    grid += [_text(x0 + t * scale, y + 13, results.fmt(float(t)), "tick", "middle") for t in ticks]
    grid.append(_text(x0 + plot_w, y + 26, unit, "tick", "end"))
    return _svg(label_w + plot_w + note_w, y + 32, title, "".join(grid + parts))


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: list[tuple[float, float]]


def panel(title: str, series: Sequence[Series], ymax: float, xmax: float, limit: float | None = None) -> str:
    """One small line chart (a cell of a small-multiples grid); the y scale is shared by its row."""
    width, height, left, bottom, top = 280.0, 110.0, 38.0, 16.0, 18.0
    plot_w, plot_h = width - left - 6, height - top - bottom
    ticks = nice_ticks(max(ymax, limit or 0), 2)
    ytop, xtop = ticks[-1], max(xmax, 1.0)

    def xy(x: float, y: float) -> str:
        return f"{_n(left + x / xtop * plot_w)},{_n(top + plot_h - min(y, ytop) / ytop * plot_h)}"

    parts = [_text(2, 12, title, "ptitle")]
    for t in ticks:
        yy = top + plot_h - t / ytop * plot_h
        parts += [
            _line(left, yy, left + plot_w, yy, "grid"),
            _text(left - 3, yy + 3, results.fmt(float(t)), "tick", "end"),
        ]
    parts.append(_text(left + plot_w, height - 3, f"{results.fmt(float(xtop))} s", "tick", "end"))
    if limit is not None:
        yy = top + plot_h - min(limit, ytop) / ytop * plot_h
        parts.append(_line(left, yy, left + plot_w, yy, "limit"))
    drawn = [s for s in series if s.points]
    for s in drawn:
        points = " ".join(xy(x, y) for x, y in s.points)
        if len(s.points) == 1:
            cx, cy = xy(*s.points[0]).split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" class="{s.css}"/>')
        else:
            parts.append(f'<polyline points="{points}" class="{s.css}"/>')
    if not drawn:
        parts.append(_text(left + plot_w / 2, top + plot_h / 2, "no data", "tick", "middle"))
    return _svg(width, height, title, "".join(parts), "panel")


# -- sections -------------------------------------------------------------------------------------------


def _sentences(sentences: Sequence[str], css: str = "explain") -> str:
    if not sentences:
        return ""
    return f'<ul class="{css}">' + "".join(f"<li>{e(s)}.</li>" for s in sentences) + "</ul>"


def _failed_cells(run: Run) -> list[Cell]:
    return [c for c in run.cells if c.get("status") != "ok"]


def _header(run: Run) -> str:
    meta = run.meta
    machine, pinning = meta.get("machine", {}), meta.get("pinning", {})
    versions = ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items())
    facts = [
        ("started", f"{meta.get('started', '?')} (finished {meta.get('finished') or 'not yet'})"),
        ("machine", f"{machine.get('cores', '?')} cores; {machine.get('platform', '')} "
                    f"{machine.get('cpu', '')}"),
        ("pinning", pinning.get("note", "")),
        ("load", f"{meta.get('users', '?')} users, {meta.get('duration_s', '?')} s per cell after "
                 f"{meta.get('warmup_s', '?')} s warm-up, {meta.get('repeat', 1)} run(s) per cell"),
        ("options", " ".join(f"{k} {v}" for k, v in (meta.get("options") or {}).items()) or "defaults"),
        ("command", " ".join(meta.get("command") or [])),
        ("git commit", meta.get("git_commit") or "unknown"),
        ("versions", versions),
    ]  # fmt: skip
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in facts)
    return f'<table class="facts">{rows}</table>' + _warnings(run)


def _warnings(run: Run) -> str:
    expected = len(run.meta.get("configs", [])) * len(run.meta.get("scenarios", []))
    warnings = []
    if run.meta.get("interrupted"):
        warnings.append(
            f"Interrupted (Ctrl-C): {len(run.cells)} of {expected} cells completed; "
            "this report holds only what finished."
        )
    elif not run.meta.get("finished"):
        warnings.append(f"Run still in progress (or killed): {len(run.cells)} of {expected} cells so far.")
    failed = _failed_cells(run)
    if failed:
        names = ", ".join(explain.label(c) for c in failed)
        warnings.append(f"{len(failed)} cell(s) failed: {names}. Their reasons are under Failed cells.")
    warnings += [note + "." for note in flags.notes(run.cells)]
    return "".join(f'<p class="warning">{e(w)}</p>' for w in warnings)


def _what_won(run: Run) -> str:
    won, pairs = explain.winners(run.cells), explain.pairs(run.cells)
    if not (won or pairs):
        return "<p>Not enough completed cells to compare.</p>"
    parts = []
    if won:
        parts.append("<h3>Per scenario, across configurations</h3>" + _sentences(won))
    if pairs:
        parts.append(
            "<h3>Per configuration, one way of writing an endpoint against another</h3>" + _sentences(pairs)
        )
    return "".join(parts)


def _throughput_bar(run: Run, cell: Cell) -> Bar:
    common = {"group": cell["config"], "name": cell["scenario"], "color": run.color(cell["scenario"])}
    ceiling = cell.get("ceiling_rps")
    if not explain.ok(cell):
        return Bar(**common, value=None, note="", marker=ceiling, failed=cell.get("error") or "failed")
    note = f"{explain.num(cell['rps'], 'req/s')}"
    if ceiling is not None and cell.get("efficiency") is not None:
        note += f" · {cell['efficiency']:.0%} of ceiling {explain.num(ceiling)}"
    runs = cell.get("rps_runs") or []
    whisker = None
    if len(runs) > 1:
        whisker = (min(runs), max(runs))
        note += f" · {len(runs)} runs, spread {cell.get('rps_spread') or 0:.0%}"
    if cell.get("generator_saturated"):
        note += " · Locust saturated"
    return Bar(**common, value=cell["rps"], note=note, marker=ceiling, whisker=whisker,
               warn=bool(cell.get("generator_saturated")))  # fmt: skip


def _latency_bar(run: Run, cell: Cell) -> Bar:
    common = {"group": cell["config"], "name": cell["scenario"], "color": run.color(cell["scenario"])}
    if not explain.ok(cell) or cell.get("p95_ms") is None:
        return Bar(**common, value=None, note="", failed=cell.get("error") or "no latency recorded")
    p50, p95, p99 = cell.get("p50_ms"), cell["p95_ms"], cell.get("p99_ms")
    note = f"p50 {explain.num(p50)} · p95 {explain.num(p95)} · p99 {explain.num(p99)} ms"
    whisker = (p95, p99) if p99 is not None and p99 > p95 else None
    return Bar(**common, value=p95, note=note, marker=p50, whisker=whisker)


def _kind_cells(run: Run, scenarios: list[str]) -> list[Cell]:
    order = {name: i for i, name in enumerate(run.configs)}
    chosen = [c for c in run.cells if c["scenario"] in scenarios]
    return sorted(chosen, key=lambda c: (order.get(c["config"], 0), scenarios.index(c["scenario"])))


def _legend(run: Run, scenarios: Sequence[str], extra: str) -> str:
    swatches = "".join(
        f'<span class="swatch" style="background:{run.color(s)}"></span>{e(s)} ' for s in scenarios
    )
    return f'<p class="legend">{swatches}{extra}</p>'


def _throughput(run: Run) -> str:
    parts = []
    for kind, scenarios in run.kinds().items():
        cells = _kind_cells(run, scenarios)
        bars = [_throughput_bar(run, c) for c in cells]
        chart = hbars(f"Throughput, {kind} endpoints", bars, "req/s", "ceiling")
        sentences = explain.generator(cells) + explain.efficiency(cells) + explain.spread(cells)
        if not sentences and any(explain.ok(c) and c.get("efficiency") is not None for c in cells):
            sentences = [
                f"Every {kind} cell with a model ceiling reached between {explain.EFFICIENCY_LOW:.0%} and "
                f"{explain.EFFICIENCY_HIGH:.0%} of it: the model explains these numbers"
            ]
        keys = '<span class="key-ceiling"></span>model ceiling (Little\'s law)'
        if run.meta.get("repeat", 1) > 1:
            keys += ' <span class="key-whisker"></span>lowest to highest run'
        legend = _legend(run, scenarios, keys)
        parts.append(f"<figure><h3>{e(kind)} endpoints</h3>{legend}{chart}{_sentences(sentences)}</figure>")
    return "".join(parts) or "<p>No cell yet.</p>"


def _latency(run: Run) -> str:
    parts = []
    for kind, scenarios in run.kinds().items():
        cells = _kind_cells(run, scenarios)
        chart = hbars(f"Latency, {kind} endpoints", [_latency_bar(run, c) for c in cells], "ms", "p50")
        legend = _legend(run, scenarios, '<span class="key-p50"></span>p50 (bar: p95) '
                         '<span class="key-whisker"></span>p95 to p99')  # fmt: skip
        sentences = explain.latency(cells)
        parts.append(f"<figure><h3>{e(kind)} endpoints</h3>{legend}{chart}{_sentences(sentences)}</figure>")
    return "".join(parts) or "<p>No cell yet.</p>"


def _start(run: Run, key: Key) -> float | None:
    """The time origin of a cell's charts: the first sample of either series."""
    starts = [rows[0]["t"] for rows in (run.history(key), run.timeline(key)) if rows]
    return min(starts) if starts else None


def _grid(
    run: Run,
    title: str,
    series: Callable[[Key, float], list[Series]],
    limit: Callable[[Cell], float | None] = lambda cell: None,
) -> str:
    """Small multiples: a row per scenario, a column per configuration, one y scale per row."""
    found = explain.index(run.cells)
    configs = run.configs
    rows = []
    every: list[list[Series]] = []
    for scenario in run.scenarios:
        keys = [(config, scenario) for config in configs]
        drawn: dict[Key, list[Series]] = {}
        for key in keys:
            t0 = _start(run, key)
            # A failed cell draws nothing, even when an earlier run of it left a time series.
            drawn[key] = series(key, t0) if explain.ok(found.get(key)) and t0 is not None else []
        every += drawn.values()
        points = [p for lines in drawn.values() for s in lines for p in s.points]
        if not any(key in found for key in keys):
            continue
        ymax = max((y for _, y in points), default=1.0)
        xmax = max((x for x, _ in points), default=1.0)
        panels = []
        for key in keys:
            cell = found.get(key)
            name = f"{key[0]} · {scenario}"
            if cell is None:
                panels.append(f'<div class="empty">{e(name)}: not run</div>')
            else:
                state = "" if explain.ok(cell) else " (failed)"
                panels.append(panel(name + state, drawn[key], ymax, xmax, limit(cell)))
        rows.append("".join(f"<div>{p}</div>" for p in panels))
    if not any(s.points for lines in every for s in lines):
        return f'<p class="legend">No {e(title)} was recorded.</p>'
    style = f"grid-template-columns: repeat({max(len(configs), 1)}, 290px)"
    return f'<div class="multiples" style="{style}" aria-label="{e(title)}">{"".join(rows)}</div>'


def _latency_series(run: Run) -> Callable[[Key, float], list[Series]]:
    def series(key: Key, t0: float) -> list[Series]:
        points = explain.history_points(run.history(key))
        server = [r for r in run.timeline(key) if r.get("server_p95_ms") is not None]
        return [
            Series("p50", "p50-line", [(r["t"] - t0, r.get("p50_ms") or 0) for r in points]),
            Series("p95", "p95-line", [(r["t"] - t0, r["p95_ms"]) for r in points]),
            Series("server p95", "server-line", [(r["t"] - t0, r["server_p95_ms"]) for r in server]),
        ]

    return series


def _pool_series(run: Run) -> Callable[[Key, float], list[Series]]:
    def series(key: Key, t0: float) -> list[Series]:
        rows = run.timeline(key)
        return [
            Series("in use", "inuse-line", [(r["t"] - t0, r.get("in_use") or 0) for r in rows]),
            Series("waiting", "waiting-line", [(r["t"] - t0, r.get("waiting") or 0) for r in rows]),
        ]

    return series


def _lag_series(run: Run) -> Callable[[Key, float], list[Series]]:
    def series(key: Key, t0: float) -> list[Series]:
        rows = [r for r in run.timeline(key) if r.get("lag_p99_ms") is not None]
        return [Series("lag p99", "lag-line", [(r["t"] - t0, r["lag_p99_ms"]) for r in rows])]

    return series


def _tokens(cell: Cell) -> float | None:
    workers, threadpool = cell.get("workers"), cell.get("threadpool")
    return float(workers * threadpool) if workers and threadpool else None


def _over_time(run: Run) -> str:
    histories = {key: run.history(key) for key in explain.index(run.cells)}
    sentences = explain.over_time(run.cells, histories)
    rows = max((len(explain.history_points(h)) for h in histories.values()), default=0)
    if run.cells and rows < 4:
        sentences.append(
            f"Locust writes one row per second and these cells left at most {rows} with a measurement: "
            "too few to see a trend (a longer --duration draws more); the server's dashed line, read every "
            "0.5 s, shows it"
        )
    return (
        '<p class="legend"><span class="key-p50line"></span>p50 <span class="key-p95line"></span>p95, '
        "ms, per second of the measured window (Locust's view) "
        '<span class="key-serverline"></span>p95 of the requests the server finished in each 0.5 s '
        "(its histogram, interpolated within buckets; one y scale per row)</p>"
        + _grid(run, "latency over time", _latency_series(run))
        + _sentences(sentences)
    )


def _server(run: Run) -> str:
    return (
        "<h3>Thread-pool tokens</h3>"
        '<p class="legend"><span class="key-inuse"></span>tokens in use (all workers) '
        '<span class="key-waiting"></span>requests waiting for a token '
        '<span class="key-limit"></span>tokens available (workers x threadpool), every 0.5 s</p>'
        + _grid(run, "thread-pool occupancy over time", _pool_series(run), _tokens)
        + _sentences(explain.threadpool(run.cells))
        + "<h3>Event-loop lag</h3>"
        '<p class="legend"><span class="key-lag"></span>lag p99 in each 0.5 s, ms '
        f'<span class="key-limit"></span>{explain.num(explain.LAG_NOTABLE_MS, "ms")}</p>'
        + _grid(run, "event-loop lag over time", _lag_series(run), lambda cell: explain.LAG_NOTABLE_MS)
        + _sentences(explain.loop_lag(run.cells))
    )


def _table(run: Run) -> str:
    columns = list(results.MD_COLUMNS)
    repeated = any(len(c.get("rps_runs") or []) > 1 for c in run.cells)
    if repeated:
        columns.insert(3, ("rps_spread", "spread"))
    head = "".join(f"<th>{e(title)}</th>" for _, title in columns)
    rows = []
    for cell in run.cells:
        values = [results.value(cell, key) for key, _ in columns]
        if repeated:
            values[3] = f"{cell.get('rps_spread') or 0:.0%}" if explain.ok(cell) else ""
        css = ' class="flagged"' if flags.names(cell) else ""
        if cell.get("status") != "ok":
            values[-1], css = f"FAILED: {cell.get('error') or ''}", ' class="failed"'
        rows.append(f"<tr{css}>" + "".join(f"<td>{e(v)}</td>" for v in values) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _failed(run: Run) -> str:
    failed = _failed_cells(run)
    if not failed:
        return "<p>No cell failed.</p>"
    items = "".join(
        f"<li><b>{e(explain.label(c))}</b>: {e(c.get('error') or 'no reason recorded')}</li>" for c in failed
    )
    return f'<ul class="failed">{items}</ul><p>Server and Locust logs are in <code>logs/</code>.</p>'


VERDICT_CSS = {
    **dict.fromkeys(("pass", "passed", "confirmed", "holds", "true"), "better"),
    **dict.fromkeys(("fail", "failed", "refuted", "false", "does not hold"), "worse"),
}  # anything else ("holds only when ...", "inconclusive: ...", "not measured") stays neutral


def _claims(run: Run) -> str:
    if run.claims_error:
        return f'<p class="warning">{e(run.claims_error)}</p>'
    rows = []
    for claim in run.claims or []:

        def text(key: str, item: dict[str, Any] = claim) -> str:
            value = item.get(key, "")
            return value if isinstance(value, str) else json.dumps(value)

        css = VERDICT_CSS.get(text("verdict").strip().lower(), "")
        rows.append(
            f"<tr><td>{e(text('id'))}</td><td>{e(text('claim'))}</td>"
            f'<td class="verdict {css}">{e(text("verdict"))}</td><td>{e(text("evidence"))}</td></tr>'
        )
    return (
        '<table class="data claims"><thead><tr><th>id</th><th>claim</th><th>verdict</th>'
        f"<th>evidence</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;
  margin:0 auto;max-width:1180px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 4px}
figure{margin:0 0 18px}
nav a{margin-right:12px}
.facts th{text-align:left;padding:1px 12px 1px 0;vertical-align:top;color:#555;font-weight:600}
.facts td{padding:1px 0}
.warning{background:#fff3cd;border:1px solid #e0b400;padding:6px 10px;border-radius:4px}
table.data{border-collapse:collapse;font-size:12.5px;margin:8px 0}
table.data th,table.data td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
table.data th{background:#f4f4f4}
table.data td{white-space:nowrap}
table.data td:last-child,table.claims td{white-space:normal}
tr.failed td{background:#fde8e8}
tr.flagged td{background:#fff6df}
.better{color:#05732f;font-weight:600}
.worse{color:#b00020;font-weight:600}
ul.explain{margin:6px 0 0;padding-left:20px;color:#333}
ul.explain li{margin:2px 0}
ul.failed li{color:#b00020}
svg text{font:12px system-ui,sans-serif;fill:#333}
svg .group{font-weight:600}
svg .tick{font-size:10.5px;fill:#666}
svg .note{font-size:11.5px}
svg .warn,svg .fail{fill:#b00020;font-size:11.5px}
svg .ptitle{font-size:11px;font-weight:600}
svg .grid{stroke:#e6e6e6}
svg .ceiling{stroke:#111;stroke-width:2.5}
svg .p50{stroke:#fff;stroke-width:2}
svg .whisker{stroke:#222;stroke-width:1.2}
svg .limit{stroke:#888;stroke-dasharray:4 3}
svg polyline{fill:none;stroke:currentColor;stroke-width:1.6}
svg circle{stroke:none;fill:currentColor}
.p50-line{color:#56B4E9}
.p95-line{color:#0072B2}
.inuse-line{color:#009E73}
.waiting-line{color:#D55E00}
.lag-line{color:#CC79A7}
.server-line{color:#E69F00;stroke-dasharray:3 2}
.multiples{display:grid;gap:6px;margin:6px 0}
.multiples .empty{font-size:11px;color:#888;padding:8px}
svg.panel{border:1px solid #eee;background:#fff}
.legend{font-size:12px;color:#444;margin:2px 0 6px}
.legend span{display:inline-block;vertical-align:middle;margin:0 4px 0 8px}
.swatch{width:12px;height:12px}
.key-ceiling{width:3px;height:14px;background:#111}
.key-whisker{width:14px;height:1px;background:#222;border-left:1px solid #222;border-right:1px solid #222}
.key-p50{width:3px;height:12px;background:#fff;outline:1px solid #999}
.key-p50line,.key-p95line,.key-serverline,.key-inuse,.key-waiting,.key-lag,.key-limit{width:16px;
  height:0;border-top:2px solid}
.key-p50line{border-color:#56B4E9}
.key-p95line{border-color:#0072B2}
.key-inuse{border-color:#009E73}
.key-waiting{border-color:#D55E00}
.key-lag{border-color:#CC79A7}
.key-serverline{border-top:2px dashed #E69F00}
.key-limit{border-top:2px dashed #888}
code{background:#f4f4f4;padding:0 3px}
"""


def page(run: Run, baseline: Path | None = None) -> str:
    """The whole report.html of `run`; with `baseline`, a side-by-side section against it."""
    sections: list[tuple[str, str, str]] = [
        ("won", "What won", _what_won(run)),
        ("throughput", "Throughput against the model", _throughput(run)),
        ("latency", "Latency", _latency(run)),
        ("over-time", "Latency over time", _over_time(run)),
        ("server", "Inside the server: thread pool and event loop", _server(run)),
        ("table", "All cells", _table(run)),
        ("failed", "Failed cells", _failed(run)),
    ]
    if run.claims is not None or run.claims_error:
        sections.append(("claims", "Claims checked", _claims(run)))
    if baseline is not None:
        try:
            section = diffs.html_section(diffs.load(baseline, run.out))
        except results.ResultsError as exc:
            section = f'<p class="warning">Baseline not compared: {e(str(exc))}</p>'
        sections.append(("baseline", "Against the baseline", section))
    nav = "".join(f'<a href="#{sid}">{e(title)}</a>' for sid, title, _ in sections)
    body = "".join(
        f'<section id="{sid}"><h2>{e(title)}</h2>{content}</section>' for sid, title, content in sections
    )
    title = f"lab compare, {run.meta.get('started', '')}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{e(title)}</h1>{_header(run)}<nav>{nav}</nav>{body}</body></html>\n"
    )


def render(out: Path, baseline: Path | None = None) -> None:
    """Write out/report.html (and out/diff.md against `baseline`) from the saved data."""
    run = load(out)
    if baseline is not None:
        with contextlib.suppress(results.ResultsError):  # the report says why, in its baseline section
            (out / "diff.md").write_text(diffs.markdown(diffs.load(baseline, out)), encoding="utf-8")
    text = page(run, baseline)
    tmp = out / ".report.html.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out / "report.html")


def summary_text(out: Path) -> str:
    """What `lab compare` prints at the end: the table, then what won and where the model disagrees."""
    meta, cells = results.load(out)
    lines = [results.markdown(meta, cells)]
    notes = (
        explain.winners(cells) + explain.pairs(cells) + explain.generator(cells) + explain.efficiency(cells)
    )
    lines += [f"- {sentence}." for sentence in notes]
    lines += _spread_lines(cells)
    failed = [c for c in cells if c.get("status") != "ok"]
    lines += [f"- FAILED {explain.label(c)}: {c.get('error')}" for c in failed]
    if meta.get("interrupted"):
        lines.append(f"- Interrupted: {len(cells)} cells completed.")
    return "\n".join(lines)


def _spread_lines(cells: list[Cell]) -> list[str]:
    """With --repeat: each cell's req/s over its runs, and how far apart they were."""
    repeated = [c for c in cells if explain.ok(c) and len(c.get("rps_runs") or []) > 1]
    if not repeated:
        return []
    lines = ["", "Spread over repeated runs (the median run stands for the cell):", ""]
    for c in repeated:
        runs = ", ".join(f"{r:.0f}" for r in c["rps_runs"])
        lines.append(f"- {explain.label(c)}: req/s {runs}; spread {c.get('rps_spread') or 0:.0%}")
    return lines
