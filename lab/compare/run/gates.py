"""After a comparison: judge the gates (issue 12 §3), store the verdicts, write the JUnit file, say it.

The checks (`--check`, `[checks]`) and the regression threshold against a baseline are parsed before the
run (lab.compare.results.checks, lab.compare.report.diff); here they are judged on the cells the run
wrote, the verdicts saved in summary.json (`checks`), and the exit status chosen:

0 every cell ran and every gate passed; 1 a cell failed (it wins over a failed gate: the run itself is
broken, and a gate judged on what is missing proves little); 3 a check or a regression failed; 130
interrupted (what completed is still judged and written).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lab.compare.report import diff, tables
from lab.compare.results import junit, summary
from lab.compare.results.checks import Check, evaluate
from lab.compare.results.summary import Cell
from lab.compare.results.verdicts import Verdict

EXIT_GATE = 3


@dataclass(frozen=True)
class Gates:
    checks: list[Check] = field(default_factory=list)
    regression_pct: float | None = None  # with baseline: --fail-on-regression PCT
    baseline: Path | None = None
    junit: Path | None = None

    @property
    def active(self) -> bool:
        return bool(self.checks) or self.regression_pct is not None or self.junit is not None


def judge(out: Path, gates: Gates) -> list[Verdict]:
    """Every gate on the cells of `out`; the verdicts written into out/summary.json (and the JUnit file)."""
    found = summary.load(out)
    verdicts = evaluate(gates.checks, found.cells)
    if gates.regression_pct is not None and gates.baseline is not None:
        against = diff.compare(summary.load(gates.baseline), found, str(gates.baseline), str(out))
        verdicts += diff.regressions(against, gates.regression_pct)
    tables.write(out, found.model_copy(update={"checks": verdicts}))
    if gates.junit is not None:
        junit.write(gates.junit, found.cells, verdicts)
    return verdicts


def lines(verdicts: Sequence[Verdict]) -> list[str]:
    """The terminal's account: a count per kind, then each failed verdict with its value and bound."""
    if not verdicts:
        return []
    text = []
    for kind, title in (("check", "Checks"), ("regression", "Regressions")):
        chosen = [v for v in verdicts if v.kind == kind]
        if not chosen:
            continue
        counts = {o: sum(v.outcome == o for v in chosen) for o in ("passed", "failed", "skipped")}
        text.append(f"{title}: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n))
        text += [f"- FAILED {v.name}: {v.message}" for v in chosen if v.outcome == "failed"]
    return text


def exit_status(cells: Sequence[Cell], verdicts: Sequence[Verdict], interrupted: bool = False) -> int:
    if interrupted:
        return 130
    if any(c.status != "ok" for c in cells):
        return 1
    return EXIT_GATE if any(v.outcome == "failed" for v in verdicts) else 0
