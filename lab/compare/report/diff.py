"""Two result sets side by side: A (the baseline) against B (the new run), with ratios B/A per cell.

Cells match by (config, scenario). When each side ran exactly one configuration under different names
("swap the configuration and rerun"), they match by scenario alone, so that comparison is not empty.

`regressions` is the gate of `--fail-on-regression PCT` (issue 12 §3): a matched cell whose req/s dropped,
or whose p95 rose, by more than PCT percent fails; a latency that never reached steady state on either
side is never a regression (the verdict is skipped, as in the table's ratios). With 3 runs or more on
both sides (--repeat) a change beyond PCT must also be significant (Welch's t-test over the runs, alpha
0.05, lab.stats) to fail: noise beyond PCT passes, and says so; with fewer, the threshold alone decides and
the message says that significance could not be judged (issue 22 §2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lab.compare.report import tables
from lab.compare.results import summary
from lab.compare.results.summary import Cell, Summary
from lab.compare.results.verdicts import Verdict
from lab.shared.output import fmt
from lab.shared.provenance import Meta
from lab.stats.significance import ALPHA, MIN_RUNS, welch_p

Metric = Literal["rps", "p95_ms", "p99_ms", "efficiency"]
# metric, title, True if higher is better
METRICS: tuple[tuple[Metric, str, bool], ...] = (
    ("rps", "req/s", True),
    ("p95_ms", "p95 ms", False),
    ("p99_ms", "p99 ms", False),
    ("efficiency", "eff.", True),
)
LATENCY_METRICS = frozenset({"p95_ms", "p99_ms"})  # meaningless when a side never reached steady state
# `rates`: a closed loop against --rate is a change of load model, named like any other setting.
SETUP_KEYS = ("users", "rates", "duration_s", "warmup_s", "repeat", "options", "git_commit")
NOTABLE = 1.1  # a ratio beyond 10% either way is marked better/worse in the HTML


@dataclass(frozen=True)
class Row:
    scenario: str
    a: Cell
    b: Cell

    @property
    def label(self) -> str:
        if self.a.config == self.b.config:
            return f"{self.a.config} · {self.scenario}"
        return f"{self.a.config} → {self.b.config} · {self.scenario}"

    def unsteady(self, metric: Metric) -> bool:
        """A latency of a cell that never reached steady state tracks the cell's length, not the server:
        its change is no regression (nor an improvement)."""
        return metric in LATENCY_METRICS and False in (self.a.steady_state, self.b.steady_state)

    def ratio(self, metric: Metric) -> float | None:
        if self.a.status != "ok" or self.b.status != "ok":
            return None
        a, b = getattr(self.a, metric), getattr(self.b, metric)
        if a is None or b is None or a == 0:
            return None
        return float(b) / float(a)


@dataclass(frozen=True)
class Diff:
    a_name: str
    b_name: str
    rows: list[Row]
    only_a: list[Cell]
    only_b: list[Cell]
    setup: list[str] = field(default_factory=list)  # what differs between the two runs besides the cells
    by_scenario: bool = False  # matched on scenario alone (one configuration per side, renamed)


def _setup(meta_a: Meta, meta_b: Meta) -> list[str]:
    changes = [
        f"{key}: {getattr(meta_a, key)!r} → {getattr(meta_b, key)!r}"
        for key in SETUP_KEYS
        if getattr(meta_a, key) != getattr(meta_b, key)
    ]
    if meta_a.machine.cores != meta_b.machine.cores:
        changes.append(f"cores: {meta_a.machine.cores} → {meta_b.machine.cores}")
    configs_a = {c.name: c for c in meta_a.configs}
    for config in meta_b.configs:
        before = configs_a.get(config.name)
        if before is None:
            continue
        old = before.model_dump(exclude={"description"})
        changed = [
            f"{k} {old[k]!r} → {v!r}"
            for k, v in config.model_dump(exclude={"description"}).items()
            if old[k] != v
        ]
        if changed:
            changes.append(f"configuration {config.name}: {', '.join(changed)}")
    return changes


def matching(a: Iterable[tuple[str, str]], b: Iterable[tuple[str, str]]) -> bool:
    """True when cells match by scenario alone: each side ran one configuration, under different names."""
    configs_a, configs_b = {config for config, _ in a}, {config for config, _ in b}
    return len(configs_a) == 1 and len(configs_b) == 1 and configs_a != configs_b


def common(a: Iterable[tuple[str, str]], b: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (config, scenario) keys of `b` that match a key of `a` (before a run: its planned cells)."""
    a, b = list(a), list(b)
    if matching(a, b):
        scenarios = {scenario for _, scenario in a}
        return {key for key in b if key[1] in scenarios}
    return set(a) & set(b)


def compare(a: Summary, b: Summary, a_name: str = "A", b_name: str = "B") -> Diff:
    by_scenario = matching((c.key for c in a.cells), (c.key for c in b.cells))

    def key(cell: Cell) -> tuple[str, str]:
        return ("", cell.scenario) if by_scenario else cell.key

    found_a = {key(c): c for c in a.cells}
    found_b = {key(c): c for c in b.cells}
    rows = [Row(cell.scenario, found_a[k], cell) for k, cell in found_b.items() if k in found_a]
    return Diff(
        a_name=a_name,
        b_name=b_name,
        rows=rows,
        only_a=[c for k, c in found_a.items() if k not in found_b],
        only_b=[c for k, c in found_b.items() if k not in found_a],
        setup=_setup(a.meta, b.meta),
        by_scenario=by_scenario,
    )


def load(a: Path, b: Path) -> Diff:
    """The diff of two result directories (raises summary.ResultsError for one that is not)."""
    return compare(summary.load(a), summary.load(b), a_name=str(a), b_name=str(b))


def _value(cell: Cell, metric: Metric) -> str:
    return fmt(getattr(cell, metric)) if cell.status == "ok" else "failed"


def _ratio(value: float | None, unsteady: bool = False) -> str:
    if value is None:
        return ""
    return f"{value:.2f}x" + (" (not steady)" if unsteady else "")


def _notes(diff: Diff) -> list[str]:
    notes = []
    if diff.by_scenario:
        notes.append("Each side ran one configuration under a different name: cells matched by scenario.")
    notes += [f"Setup changed: {change}" for change in diff.setup]
    unsteady = [row.label for row in diff.rows if row.unsteady("p95_ms")]
    if unsteady:
        notes.append(
            "Not at steady state on at least one side (a request's expected wait exceeds the cell), so "
            "their latency ratios are no regression nor improvement: " + ", ".join(unsteady)
        )
    notes += [f"Only in A: {c.label}" for c in diff.only_a]
    notes += [f"Only in B: {c.label}" for c in diff.only_b]
    return notes


def markdown(diff: Diff) -> str:
    head = ["cell"] + [column for _, title, _ in METRICS for column in (f"{title} A", f"{title} B", "B/A")]
    rows = []
    for row in diff.rows:
        values = [row.label]
        for metric, _, _ in METRICS:
            ratio = _ratio(row.ratio(metric), row.unsteady(metric))
            values += [_value(row.a, metric), _value(row.b, metric), ratio]
        rows.append(values)
    if not diff.rows:
        rows.append(["no cell in common"] + [""] * (len(head) - 1))
    lines = [
        "# lab diff",
        "",
        f"A (baseline): {diff.a_name}  ",
        f"B: {diff.b_name}",
        "",
        tables.md_table(head, rows),
    ]
    notes = _notes(diff)
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def _ratio_class(value: float | None, higher_is_better: bool) -> str:
    if value is None or 1 / NOTABLE < value < NOTABLE:
        return ""
    better = value >= NOTABLE if higher_is_better else value <= 1 / NOTABLE
    return "better" if better else "worse"


@dataclass(frozen=True)
class Html:
    """What the report's baseline section shows (templates/diff.html.j2 lays it out)."""

    a_name: str
    b_name: str
    titles: list[str]
    rows: list[tuple[str, list[tuple[str, str, str, str]]]]  # label, per metric: A, B, B/A, its css class
    notes: list[str]


def html(diff: Diff) -> Html:
    rows = []
    for row in diff.rows:
        metrics = []
        for metric, _, higher in METRICS:
            ratio, unsteady = row.ratio(metric), row.unsteady(metric)
            css = "" if unsteady else _ratio_class(ratio, higher)
            metrics.append((_value(row.a, metric), _value(row.b, metric), _ratio(ratio, unsteady), css))
        rows.append((row.label, metrics))
    titles = [title for _, title, _ in METRICS]
    return Html(diff.a_name, diff.b_name, titles, rows, _notes(diff))


# The metrics --fail-on-regression watches: (metric, title, True if higher is better).
GATED: tuple[tuple[Metric, str, bool], ...] = (("rps", "req/s", True), ("p95_ms", "p95", False))


def parse_percent(text: str) -> float:
    """'10' or '10%' -> 10.0 (ValueError with the reason otherwise)."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise ValueError(f"--fail-on-regression {text!r}: a number of percent, e.g. 10 or 10%") from None
    if not 0 <= value <= 1000:
        raise ValueError(f"--fail-on-regression {text!r}: must be between 0 and 1000 percent")
    return value


RUNS: dict[Metric, str] = {"rps": "rps_runs", "p95_ms": "p95_runs"}  # each run's values, with --repeat


def significance(row: Row, metric: Metric) -> tuple[float | None, str]:
    """The p-value of the change over both sides' runs, and how the message says it (None: not judged)."""
    a, b = (getattr(cell, RUNS[metric], []) if metric in RUNS else [] for cell in (row.a, row.b))
    p = welch_p(a, b)
    if p is None:
        return (
            None,
            f"significance not judged with {len(a)} and {len(b)} runs: needs --repeat {MIN_RUNS} a side",
        )
    return p, f"p = {p:.2g}" + (" (significant)" if p < ALPHA else " (not significant: noise)")


def _regression(row: Row, metric: Metric, title: str, higher: bool, pct: float) -> Verdict:
    a, b = getattr(row.a, metric), getattr(row.b, metric)
    factor = 1 - pct / 100 if higher else 1 + pct / 100
    bound = None if a is None else float(a) * factor
    op = ">=" if higher else "<="
    what = "drop" if higher else "rise"
    base = {
        "kind": "regression", "name": f"{title} {'drop' if higher else 'rise'} <= {pct:g}%",
        "config": row.b.config, "scenario": row.b.scenario, "field": metric, "op": op,
        "bound": bound, "value": None if b is None else float(b), "baseline": a,
    }  # fmt: skip
    if row.a.status != "ok" or row.b.status != "ok":
        side = "the baseline's cell" if row.a.status != "ok" else "the cell"
        return Verdict(**base, outcome="skipped", message=f"{row.label}: {side} failed: not compared")
    if row.unsteady(metric):
        return Verdict(
            **base, outcome="skipped",
            message=f"{row.label}: not at steady state on one side: its {title} is no regression",
        )  # fmt: skip
    if a is None or b is None or bound is None or a == 0:
        return Verdict(**base, outcome="failed", message=f"{row.label}: {title} not measured on both sides")
    change = (float(b) / float(a) - 1) * 100
    p, judged = significance(row, metric)
    passed = (b >= bound if higher else b <= bound) or (p is not None and p >= ALPHA)
    message = (
        f"{row.label}: {title} {fmt(b)} against {fmt(a)} in the baseline ({change:+.1f}%, {judged}); "
        f"{'fails' if not passed else 'passes'}: it may {what} by {pct:g}% at most ({op} {fmt(bound)})"
    )
    return Verdict(**base, outcome="passed" if passed else "failed", message=message)


def regressions(diff: Diff, pct: float) -> list[Verdict]:
    """For every matched cell, req/s and p95 against the baseline's, within `pct` percent."""
    return [
        _regression(row, metric, title, higher, pct) for row in diff.rows for metric, title, higher in GATED
    ]
