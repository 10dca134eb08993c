"""One `lab compare` from a checked Plan to its outcome: the database it needs, the cells, the gates, the
report and what the terminal says. The command line maps the outcome to an exit status.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.compare.report import report, terminal
from lab.compare.results.summary import Cell
from lab.compare.results.verdicts import Verdict
from lab.compare.run import verify
from lab.compare.run.gates import judge, lines
from lab.compare.run.plan import Plan, PlanError
from lab.compare.run.runner import Comparison
from lab.runtime import postgres


@dataclass(frozen=True)
class Outcome:
    cells: list[Cell]
    verdicts: list[Verdict]
    completed: bool  # False: interrupted (Ctrl-C), what completed is written and judged


def compare(plan: Plan) -> Outcome:
    """Run `plan`, judge its gates, draw the report; PlanError when its PostgreSQL cannot start."""

    def render(directory: Path) -> None:
        report.render(directory, baseline=plan.baseline)

    comparison = Comparison(plan, render=render)
    # A PostgreSQL only for the db-* scenarios, for the whole run (LAB_DATABASE_URL: the user's own).
    (plan.out / "logs").mkdir(parents=True, exist_ok=True)
    try:
        with postgres.database(plan.needs_postgres, log=plan.out / "logs" / "postgres.log") as url:
            plan.server_env.update({postgres.DATABASE_URL_ENV: url} if url else {})
            completed = comparison.run()
            if completed and plan.verify:  # the reruns need the same database
                completed = verify.run(comparison)
    except postgres.PostgresError as exc:
        raise PlanError(str(exc)) from None
    verdicts = []
    if plan.gates.active:  # after the run, on what it wrote; the report drawn again with the verdicts
        verdicts = judge(plan.out, plan.gates)
        render(plan.out)
    say(plan, verdicts)
    return Outcome(comparison.cells, verdicts, completed)


def say(plan: Plan, verdicts: list[Verdict]) -> None:
    """The terminal's account: the table and sentences, the diff, the gates, where the files are."""
    out = plan.out
    print(terminal.summary_text(out))
    if plan.baseline is not None and (out / "diff.md").is_file():
        print("\n" + (out / "diff.md").read_text(encoding="utf-8"), end="")
    if verdicts:
        print("\n" + "\n".join(lines(verdicts)))
    junit = f"\njunit:  {plan.gates.junit}" if plan.gates.junit is not None else ""
    print(f"\nreport: {out / 'report.html'}\ntable:  {out / 'summary.md'}{junit}")
