"""The data behind report.html's charts: bars per endpoint kind, and small multiples over time.

A `Run` in, chart models and their SVG (lab.compare.report.charts) out; the templates lay them out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from lab.compare import explain, noise
from lab.compare.report import charts, internals
from lab.compare.report.charts import Bar, Series
from lab.compare.report.rundir import Key, Run
from lab.compare.results import sweeps
from lab.compare.results.summary import Cell


def _bar(run: Run, cell: Cell, value: float | None, note: str, **extra: Any) -> Bar:
    """A bar of `cell`: grouped under its point (its configuration, at its load when the load was swept),
    named and coloured by its scenario."""
    return Bar(cell.point, cell.scenario, run.color(cell.scenario), value, note, **extra)


def _throughput_bar(run: Run, cell: Cell) -> Bar:
    ceiling = cell.ceiling_rps
    if not explain.ok(cell):
        return _bar(run, cell, None, "", marker=ceiling, failed=cell.error or "failed")
    note = f"{explain.num(cell.rps, 'req/s')}"
    if ceiling is not None and cell.efficiency is not None:
        note += f" · {cell.efficiency:.0%} of ceiling {explain.num(ceiling)}"
    runs = cell.rps_runs
    whisker = None
    if len(runs) > 1:
        whisker = (min(runs), max(runs))
        note += f" · {len(runs)} runs, spread {cell.rps_spread or 0:.0%}"
    if cell.generator_saturated:
        note += " · Locust saturated"
    warn = bool(cell.generator_saturated)
    return _bar(run, cell, cell.rps, note, marker=ceiling, whisker=whisker, warn=warn)


def _latency_bar(run: Run, cell: Cell) -> Bar:
    p50, p95, p99 = cell.p50_ms, cell.p95_ms, cell.p99_ms
    if not explain.ok(cell) or p95 is None:
        return _bar(run, cell, None, "", failed=cell.error or "no latency recorded")
    note = f"p50 {explain.num(p50)} · p95 {explain.num(p95)} · p99 {explain.num(p99)} ms"
    if cell.latency_from == "schedule" and cell.p95_ms_uncorrected is not None:  # issue 25
        note += f" from the schedule (from the send: p95 {explain.num(cell.p95_ms_uncorrected)})"
    whisker = (p95, p99) if p99 is not None and p99 > p95 else None
    return _bar(run, cell, p95, note, marker=p50, whisker=whisker)


@dataclass(frozen=True)
class Figure:
    """The bar chart of one endpoint kind, with its legend's swatches and the sentences under it."""

    kind: str
    swatches: list[tuple[str, str]]  # scenario, colour
    chart: Markup
    sentences: list[str]


def _kind_cells(run: Run, scenarios: list[str]) -> list[Cell]:
    """The cells of one endpoint kind, in the run's order of configurations, then of scenarios."""
    order = {name: i for i, name in enumerate(run.configs)}
    chosen = [c for c in run.cells if c.scenario in scenarios]
    return sorted(chosen, key=lambda c: (order.get(c.point, 0), scenarios.index(c.scenario)))


def _throughput_sentences(kind: str, cells: list[Cell]) -> list[str]:
    sentences = (
        explain.generator(cells) + explain.efficiency(cells) + explain.spread(cells) + noise.sentences(cells)
    )
    if not sentences and any(explain.ok(c) and c.efficiency is not None for c in cells):
        sentences = [
            f"Every {kind} cell with a model ceiling reached between {explain.EFFICIENCY_LOW:.0%} and "
            f"{explain.EFFICIENCY_HIGH:.0%} of it: its binding resource explains these numbers"
        ]
    return sentences


def throughput(run: Run) -> list[Figure]:
    figures = []
    for kind, scenarios in run.kinds().items():
        cells = _kind_cells(run, scenarios)
        bars = [_throughput_bar(run, c) for c in cells]
        chart = charts.hbars(f"Throughput, {kind} endpoints", bars, "req/s", "ceiling")
        swatches = [(s, run.color(s)) for s in scenarios]
        figures.append(Figure(kind, swatches, chart, _throughput_sentences(kind, cells)))
    return figures


def latency(run: Run) -> list[Figure]:
    figures = []
    for kind, scenarios in run.kinds().items():
        cells = _kind_cells(run, scenarios)
        chart = charts.hbars(f"Latency, {kind} endpoints", [_latency_bar(run, c) for c in cells], "ms", "p50")
        swatches = [(s, run.color(s)) for s in scenarios]
        figures.append(Figure(kind, swatches, chart, explain.latency(cells)))
    return figures


def _start(run: Run, key: Key) -> float | None:
    """The time origin of a cell's charts: the first sample of either series."""
    starts = [float(rows[0].t) for rows in (run.history(key), run.timeline(key)) if rows]
    return min(starts) if starts else None


@dataclass(frozen=True)
class Grid:
    """Small multiples: a row per scenario, a column per configuration; a panel is None when not run."""

    title: str
    columns: int
    rows: list[list[tuple[str, Markup | None]]]  # empty when nothing was recorded


SeriesOf = Callable[[Key, float], list[Series]]


def _grid(
    run: Run, title: str, series: SeriesOf, limit: Callable[[Cell], float | None] = lambda c: None
) -> Grid:
    """One y scale per row."""
    found = explain.index(run.cells)
    rows, recorded = [], False
    for scenario in run.scenarios:
        keys = [(config, scenario) for config in run.configs]
        drawn: dict[Key, list[Series]] = {}
        for key in keys:
            t0 = _start(run, key)
            # A failed cell draws nothing, even when an earlier run of it left a time series.
            drawn[key] = series(key, t0) if explain.ok(found.get(key)) and t0 is not None else []
        points = [p for lines in drawn.values() for s in lines for p in s.points]
        recorded = recorded or bool(points)
        if not any(key in found for key in keys):
            continue
        ymax = max((y for _, y in points), default=1.0)
        xmax = max((x for x, _ in points), default=1.0)
        row: list[tuple[str, Markup | None]] = []
        for key in keys:
            cell, name = found.get(key), f"{key[0]} · {scenario}"
            if cell is None:
                row.append((name, None))
            else:
                state = "" if explain.ok(cell) else " (failed)"
                row.append((name, charts.panel(name + state, drawn[key], ymax, xmax, limit(cell))))
        rows.append(row)
    return Grid(title, max(len(run.configs), 1), rows if recorded else [])


def _latency_series(run: Run) -> SeriesOf:
    def series(key: Key, t0: float) -> list[Series]:
        points = internals.history_points(run.history(key))
        return [
            Series("p50", "p50-line", [(r.t - t0, r.p50_ms or 0) for r in points]),
            Series("p95", "p95-line", [(r.t - t0, r.p95_ms or 0) for r in points]),
            Series("server p95", "server-line", [
                (r.t - t0, r.server_p95_ms) for r in run.timeline(key) if r.server_p95_ms is not None
            ]),
        ]  # fmt: skip

    return series


def _pool_series(run: Run) -> SeriesOf:
    def series(key: Key, t0: float) -> list[Series]:
        rows = run.timeline(key)
        return [
            Series("in use", "inuse-line", [(r.t - t0, r.in_use) for r in rows]),
            Series("waiting", "waiting-line", [(r.t - t0, r.waiting) for r in rows]),
        ]

    return series


def _lag_series(run: Run) -> SeriesOf:
    def series(key: Key, t0: float) -> list[Series]:
        return [Series("lag p99", "lag-line", [
            (r.t - t0, r.lag_p99_ms) for r in run.timeline(key) if r.lag_p99_ms is not None
        ])]  # fmt: skip

    return series


def _users_series(run: Run) -> SeriesOf:
    def series(key: Key, t0: float) -> list[Series]:
        return [Series("users", "users-line", [(r.t - t0, r.users) for r in run.history(key)])]

    return series


def stages(run: Run) -> Grid | None:
    """The users Locust ran, per second: a load shape's stages as they happened (None without a shape)."""
    service = run.meta.service
    if service is None or not service.shape:
        return None
    return _grid(run, f"users over time ({service.shape})", _users_series(run))


def over_time(run: Run) -> Grid:
    return _grid(run, "latency over time", _latency_series(run))


def pool(run: Run) -> Grid:
    return _grid(run, "thread-pool occupancy over time", _pool_series(run), lambda cell: cell.tokens)


def lag(run: Run) -> Grid:
    return _grid(run, "event-loop lag over time", _lag_series(run), lambda cell: explain.LAG_NOTABLE_MS)


@dataclass(frozen=True)
class SweepFigure:
    """The curves of one swept key: req/s and p95 against its values, and a sentence per curve."""

    key: str
    charts: list[Markup]
    sentences: list[str]


def sweep_figures(run: Run) -> list[SweepFigure]:
    found = []
    for key in run.meta.sweeps:
        drawn = [c for c in sweeps.curves(run.cells, run.meta.sweeps) if c.key == key]
        if not drawn:
            continue
        labels = list(dict.fromkeys(p.value for c in drawn for p in c.points))
        title = sweeps.TITLES.get(key, key)

        def lines(
            metric: str, curves: list[sweeps.Curve] = drawn, xs: list[str] = labels
        ) -> list[charts.Line]:
            out = []
            for c in curves:
                at = {p.value: getattr(p, metric) for p in c.points}
                out.append(charts.Line(c.name, run.color(c.scenario), [at.get(v) for v in xs]))
                model = {p.value: p.model_rps for p in c.points}
                if metric == "rps" and c.key == "users" and any(model.values()):
                    values = [model.get(v) for v in xs]
                    out.append(charts.Line(f"{c.name} (model)", run.color(c.scenario), values, model=True))
            return out

        found.append(
            SweepFigure(
                key,
                [
                    charts.curve(f"req/s against {title}", labels, lines("rps"), "req/s", title),
                    charts.curve(f"p95 against {title}", labels, lines("p95_ms"), "ms", title),
                ],
                [sweeps.advice(c) for c in drawn] + [t for c in drawn if (t := sweeps.against_model(c))],
            )
        )
    return found
