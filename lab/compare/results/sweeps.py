"""Sweeps (issue 12 §1): req/s and p95 against each swept value, the knee, and a sentence of advice.

A run that swept a key (`--set threadpool=4,8,16`, `--users 10,50,100`, `--rate 100,200`) has, for each
scenario and each combination of the other swept values, a curve over that key's values. The knee is
computed from the numbers: the smallest value that reaches 95% of the curve's best throughput, and the
value past which p95 more than doubles (from one value to the next). A failed or failing cell (issue 21 §4)
is a gap in its curve: its req/s are not results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.compare.results import flags
from lab.compare.results.summary import Cell
from lab.shared.output import fmt

ENOUGH = 0.95  # of the best throughput: the throughput knee
DOUBLES = 2.0  # p95 from one value to the next: the latency knee
TITLES = {"users": "users", "rate": "rate (req/s)"}


@dataclass(frozen=True)
class Point:
    value: str
    rps: float | None  # None: the cell failed, or is failing
    p95_ms: float | None
    model_rps: float | None = None  # mean value analysis at this point (a users sweep)


@dataclass(frozen=True)
class Curve:
    """One scenario over one swept key, the other swept values fixed."""

    key: str
    scenario: str
    fixed: str  # the base configuration and the other swept values, e.g. "uvicorn-single, users=16"
    points: list[Point]

    @property
    def name(self) -> str:
        return f"{self.scenario} · {self.fixed}" if self.fixed else self.scenario

    def best(self) -> Point | None:
        measured = [p for p in self.points if p.rps is not None]
        return max(measured, key=lambda p: p.rps or 0.0) if measured else None

    def enough(self) -> Point | None:
        """The smallest value whose req/s reaches ENOUGH of the best."""
        best = self.best()
        if best is None or not best.rps:
            return None
        return next(p for p in self.points if p.rps is not None and p.rps >= ENOUGH * best.rps)

    def doubling(self) -> tuple[Point, Point] | None:
        """The first value past which p95 more than doubles, and the next value."""
        for a, b in zip(self.points, self.points[1:], strict=False):
            if a.p95_ms and b.p95_ms and b.p95_ms > DOUBLES * a.p95_ms:
                return a, b
        return None


def _order(values: Sequence[str]) -> list[str]:
    """Numbers in numeric order, words as given."""
    try:
        return sorted(values, key=float)
    except ValueError:
        return list(values)


def _base(config: str) -> str:
    return config.split("[", 1)[0]


def curves(cells: Sequence[Cell], sweeps: dict[str, list[str]]) -> list[Curve]:
    """A curve per swept key (with two values or more), scenario and combination of the other values."""
    found: list[Curve] = []
    for key, values in sweeps.items():
        if len(values) < 2:
            continue
        groups: dict[tuple[str, str], dict[str, Cell]] = {}
        for cell in cells:
            if key not in cell.swept:
                continue
            others = [f"{k}={v}" for k, v in cell.swept.items() if k != key]
            fixed = ", ".join([_base(cell.config), *others])
            groups.setdefault((cell.scenario, fixed), {})[cell.swept[key]] = cell
        for (scenario, fixed), by_value in groups.items():
            points = [
                Point(v, c.rps if counted else None, c.p95_ms if counted else None, c.model_rps)
                for v in _order(list(by_value))
                for c in [by_value[v]]
                for counted in [c.status == "ok" and not flags.failing(c)]
            ]
            found.append(Curve(key, scenario, fixed, points))
    return found


def _named(curve: Curve, value: str) -> str:
    return f"{value} req/s" if curve.key == "rate" else f"{curve.key} {value}"


def advice(curve: Curve) -> str:
    """One sentence from the numbers, e.g. "threadpool 8 serves 97% of the best io-sync throughput (...);
    beyond it p95 stays within 2x"."""
    best, enough = curve.best(), curve.enough()
    if best is None or enough is None or not best.rps:
        return f"{curve.name}: no cell of this {curve.key} sweep completed"
    share = (enough.rps or 0.0) / best.rps
    where = f" on {curve.fixed}" if curve.fixed else ""
    text = (
        f"{_named(curve, enough.value)} serves {share:.0%} of the best {curve.scenario} throughput{where} "
        f"({fmt(enough.rps)} of {fmt(best.rps)} req/s at {_named(curve, best.value)})"
    )
    if curve.key == "rate":
        text = (
            f"{curve.scenario}{where}: {fmt(best.rps)} req/s is the most served (sent at "
            f"{_named(curve, best.value)})"
        )
    doubled = curve.doubling()
    if doubled is None:
        return text + f"; p95 never more than doubles from one {curve.key} value to the next"
    a, b = doubled
    return (
        text + f"; past {_named(curve, a.value)} p95 more than doubles "
        f"({fmt(a.p95_ms)} → {fmt(b.p95_ms)} ms at {_named(curve, b.value)})"
    )


def sentences(cells: Sequence[Cell], sweeps: dict[str, list[str]]) -> list[str]:
    return [advice(c) for c in curves(cells, sweeps)]


def against_model(curve: Curve) -> str | None:
    """A users sweep's measured req/s beside the model's curve (mean value analysis), point by point."""
    pairs = [p for p in curve.points if p.rps is not None and p.model_rps]
    if curve.key != "users" or not pairs:
        return None
    text = ", ".join(f"{p.value}: {p.rps:.3g} / {p.model_rps:.3g}" for p in pairs)
    return f"{curve.name}, req/s measured / the model's (mean value analysis) at users {text}"
