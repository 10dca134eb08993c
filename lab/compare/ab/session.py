"""One `lab ab` from two checked plans to its outcome: the rounds, ab.json, the report, the JUnit file.

Exit statuses as `lab compare`'s: 0 measured and no gate failed; 1 a run's cell failed; 3 B is a
regression (--fail-on-regression); 130 interrupted (what completed is judged and written).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.compare.ab import duet, judge, page, rounds
from lab.compare.ab.result import AbMeta, AbResult, AbRow, Side, write
from lab.compare.results import junit
from lab.compare.results.verdicts import Verdict
from lab.compare.run.gates import EXIT_GATE
from lab.compare.run.plan import Plan
from lab.shared.provenance import utc_now


@dataclass(frozen=True)
class Gate:
    pct: float | None = None  # --fail-on-regression PCT
    junit: Path | None = None


def _verdict(row: AbRow, config: str, pct: float | None) -> Verdict:
    higher = judge.METRICS[row.metric]
    bound = None if pct is None else (1 - pct / 100 if higher else 1 + pct / 100)
    outcome = "failed" if row.regression else "skipped" if row.verdict == "not judged" else "passed"
    ci = page.ratio_text(row)
    return Verdict(
        kind="regression", name=f"{judge.TITLES[row.metric]} B/A", config=config, scenario=row.scenario,
        field=row.metric, op=">=" if higher else "<=", bound=bound, value=row.ratio, baseline=1.0,
        outcome=outcome, message=f"{row.scenario}: {judge.TITLES[row.metric]} B/A {ci}, p "
        f"{'not judged' if row.p_value is None else f'{row.p_value:.3g}'}: {row.verdict}",
    )  # fmt: skip


def _write_junit(path: Path, measured: rounds.Measured, found: AbResult) -> None:
    cells = [
        cell.model_copy(update={"config": f"{run.side}{run.round}.{cell.config}"})
        for run, by in zip(measured.runs, measured.cells, strict=True)
        for cell in by.values()
    ]
    verdicts = [_verdict(r, found.meta.config, found.meta.fail_on_regression_pct) for r in found.scenarios]
    junit.write(path, cells, verdicts, name="lab ab")


def ab(
    plans: dict[Side, Plan], meta: AbMeta, out: Path, gate: Gate, cores: duet.Cores | None = None
) -> tuple[AbResult, int]:
    """Run the rounds (a duet's sides on `cores`), judge them, write ab.json, ab.md, report.html (and the
    JUnit file); the exit status."""
    scenarios = [s.name for s in plans["A"].scenarios]

    def result_of(measured: rounds.Measured) -> AbResult:
        return AbResult(
            meta=meta.model_copy(update={"interrupted": measured.interrupted}),
            runs=measured.runs, scenarios=judge.rows(measured.rounds, scenarios, gate.pct, meta.mode),
        )  # fmt: skip

    def saved(measured: rounds.Measured) -> None:
        write(out, result_of(measured))
        page.render(out)

    out.mkdir(parents=True, exist_ok=True)
    write(out, AbResult(meta=meta))
    if meta.mode == "duet":
        measured = duet.run(plans, meta.rounds, out, saved, cores)
    else:
        measured = rounds.run(plans, meta.rounds, out, saved)
    found = result_of(measured)
    found = found.model_copy(update={"meta": found.meta.model_copy(update={"finished": utc_now()})})
    write(out, found)
    page.render(out)
    if gate.junit is not None:
        _write_junit(gate.junit, measured, found)
    if measured.interrupted:
        return found, 130
    if not all(run.ok for run in measured.runs):
        return found, 1
    return found, EXIT_GATE if any(r.regression for r in found.scenarios) else 0
