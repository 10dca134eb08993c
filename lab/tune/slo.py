"""The SLOs of `lab tune`: `--slo` in the `--check` grammar (lab.compare.results.checks), judged on one cell
or on the values a point is predicted to measure, and how far a point missed them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lab.compare.results import flags
from lab.compare.results.checks import OPERATORS, Check, judge, parse
from lab.compare.results.summary import Cell


def parse_all(texts: Sequence[str], scenario: str) -> list[Check]:
    """Each `--slo` parsed (CheckError: exit 2); the scenario is the only scope there is."""
    return [parse(text, [], [scenario]) for text in texts]


def missed(slos: Sequence[Check], cell: Cell, max_failure_ratio: float) -> list[str]:
    """What `cell` missed: each SLO failed, in words (a failed or failing cell misses by itself)."""
    if cell.status != "ok":
        return [f"the cell failed: {cell.error}"]
    found = [v.message for s in slos if (v := judge(s, cell)).outcome != "passed"]
    if flags.failing(cell) and not any(s.field == "failure_ratio" for s in slos):
        found.append(f"failures over --max-failure-ratio {max_failure_ratio:g}")
    return found


def predicted_to_meet(slos: Sequence[Check], values: Mapping[str, float]) -> bool:
    """Whether predicted values meet every SLO they predict (a field not predicted is not held against)."""
    return all(OPERATORS[s.op](values[s.field], s.bound) for s in slos if s.field in values)


def miss_ratio(slos: Sequence[Check], cell: Cell) -> float:
    """How far `cell` is from meeting every SLO: the largest relative miss (0: met; inf: failed)."""
    if cell.status != "ok":
        return float("inf")
    worst = 0.0
    for slo in slos:
        verdict = judge(slo, cell)
        if verdict.outcome == "passed":
            continue
        if verdict.value is None:
            return float("inf")
        scale = abs(slo.bound) or 1.0
        worst = max(worst, abs(verdict.value - slo.bound) / scale)
    return worst
