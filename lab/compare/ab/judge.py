"""The ratio B/A of each scenario and metric over the rounds, its interval, its p-value and the verdict.

Round i of A is paired with round i of B (at the same time in a duet, back to back when sequential): a
round where either side's cell failed is left out of both. Duet: the ratio is the geometric mean of the
rounds' B/A, its interval Student's t over their logs (lab.stats.paired), the p-value the paired t-test on
those logs, which that interval inverts (what slowed the machine in a round slowed both of its sides and
cancels in its ratio). Sequential: a paired
bootstrap of the ratio of means and Welch's t-test on the logs, the runs of a side being independent
(lab.stats). A verdict names a direction only when both agree: p < alpha and the interval excludes 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.compare.ab.result import AbMetric, AbRow, AbVerdict, Mode
from lab.compare.results.summary import Cell
from lab.stats.bootstrap import Interval, ratio_ci
from lab.stats.paired import paired_ratio_interval
from lab.stats.significance import ALPHA, MIN_RUNS, paired_p, welch_p

# metric -> True when higher is better (req/s), False when lower is (latency, cost). cpu_ms, the
# server's CPU time per request, is what a busy machine disturbs least: a neighbour that takes the CPU
# away lowers req/s and raises p95, but the work a request needs stays the same.
METRICS: dict[AbMetric, bool] = {"rps": True, "p95_ms": False, "cpu_ms": False}
TITLES: dict[AbMetric, str] = {"rps": "req/s", "p95_ms": "p95", "cpu_ms": "CPU ms/req"}

# side -> round -> the run's cells (by scenario)
Rounds = dict[str, list[dict[str, Cell]]]


def value(cell: Cell, metric: AbMetric) -> float | None:
    """The cell's value of `metric`; cpu_ms: the server's CPU seconds over the requests it served, in ms."""
    if metric != "cpu_ms":
        found = getattr(cell, metric)
        return None if found is None else float(found)
    if not cell.server_cpu_s or not cell.server_requests:
        return None
    return 1000 * cell.server_cpu_s / cell.server_requests


def _paired(rounds: Rounds, scenario: str, metric: AbMetric) -> tuple[list[float], list[float]]:
    a: list[float] = []
    b: list[float] = []
    for run_a, run_b in zip(rounds["A"], rounds["B"], strict=False):
        ca, cb = run_a.get(scenario), run_b.get(scenario)
        if ca is None or cb is None or ca.status != "ok" or cb.status != "ok":
            continue
        va, vb = value(ca, metric), value(cb, metric)
        if va is not None and vb is not None:
            a.append(round(va, 4))
            b.append(round(vb, 4))
    return a, b


def verdict(metric: AbMetric, ratio: float, lo: float, hi: float, p: float | None) -> AbVerdict:
    if p is None:
        return "not judged"
    if p >= ALPHA or lo <= 1.0 <= hi:
        return "no difference"
    better = ratio > 1 if METRICS[metric] else ratio < 1
    return "faster" if better else "slower"


def judged(a: list[float], b: list[float], mode: Mode) -> tuple[Interval, float | None]:
    """The ratio's interval and the p-value (None below MIN_RUNS rounds) of paired rounds."""
    if mode == "duet":
        return paired_ratio_interval(a, b), paired_p(a, b)
    return ratio_ci(a, b), welch_p(a, b) if len(a) >= MIN_RUNS else None


def row(
    rounds: Rounds, scenario: str, metric: AbMetric, pct: float | None, mode: Mode = "sequential"
) -> AbRow:
    a, b = _paired(rounds, scenario, metric)
    if len(a) < 2 or min(*a, *b) <= 0:
        return AbRow(scenario=scenario, metric=metric, a=a, b=b, ratio=None, ci=None, p_value=None,
                     verdict="not judged")  # fmt: skip
    interval, p = judged(a, b, mode)
    found = verdict(metric, interval.estimate, interval.lo, interval.hi, p)
    beyond = False
    if pct is not None:
        bound = 1 - pct / 100 if METRICS[metric] else 1 + pct / 100
        beyond = interval.estimate < bound if METRICS[metric] else interval.estimate > bound
    return AbRow(
        scenario=scenario, metric=metric, a=a, b=b, ratio=round(interval.estimate, 4),
        ci=[round(interval.lo, 4), round(interval.hi, 4)], p_value=None if p is None else round(p, 6),
        verdict=found, regression=found == "slower" and beyond,
    )  # fmt: skip


def rows(
    rounds: Rounds, scenarios: Sequence[str], pct: float | None, mode: Mode = "sequential"
) -> list[AbRow]:
    """Every scenario's rows: req/s, p95, then the server's CPU per request."""
    return [row(rounds, s, metric, pct, mode) for s in scenarios for metric in METRICS]
