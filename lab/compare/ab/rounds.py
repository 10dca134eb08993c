"""Measure two plans one side at a time (`--mode sequential`), interleaved: round 1 runs A then B, round
2 B then A, and so on. The duet (both at once) is lab.compare.ab.duet; both record runs here.

Each run is a whole one-configuration comparison (lab.compare.run.runner.Comparison: a fresh server, the
warm-up, every scenario measured the way `lab compare` measures a cell) into a directory of its own, so
what drifts on the machine over the minutes of the A/B hits both sides alike. The order alternates
within the interleaving so that neither side always runs first after a server start-up of the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lab.compare.ab.judge import Rounds
from lab.compare.ab.result import Run, Side
from lab.compare.results.summary import Cell, load
from lab.compare.run.plan import Plan
from lab.compare.run.runner import Comparison


def order(rounds: int) -> list[tuple[int, Side]]:
    """(round, side) in the order they run: A B, B A, A B, ..."""
    found: list[tuple[int, Side]] = []
    for r in range(1, rounds + 1):
        found += [(r, "A"), (r, "B")] if r % 2 else [(r, "B"), (r, "A")]
    return found


@dataclass
class Measured:
    """What the rounds measured so far, and whether Ctrl-C cut them short."""

    runs: list[Run] = field(default_factory=list)
    cells: list[dict[str, Cell]] = field(default_factory=list)  # each run's cells by scenario, in run order
    interrupted: bool = False

    @property
    def rounds(self) -> Rounds:
        """Each side's runs in the order of the rounds (a side runs once a round)."""
        return {
            side: [c for r, c in zip(self.runs, self.cells, strict=True) if r.side == side] for side in "AB"
        }


def record(measured: Measured, side: Side, number: int, run_out: Path, out: Path) -> None:
    """Append the run of `side` in round `number` written to `run_out` (none written: no cell, not ok)."""
    try:
        cells = load(run_out).cells
    except (OSError, ValueError):  # a run that died before writing its summary.json
        cells = []
    ok = bool(cells) and all(c.status == "ok" for c in cells)
    measured.runs.append(Run(side=side, round=number, out=run_out.relative_to(out).as_posix(), ok=ok))
    measured.cells.append({c.scenario: c for c in cells})


def run(
    plans: dict[Side, Plan], rounds: int, out: Path, saved: Callable[[Measured], None] | None = None
) -> Measured:
    """Every run of the rounds, one side at a time, each written under out/runs/<side><round>; `saved`
    after each run."""
    measured = Measured()
    for number, side in order(rounds):
        plan = replace(plans[side], out=out / "runs" / f"{side}{number}")
        completed = Comparison(plan).run()
        record(measured, side, number, plan.out, out)
        if not completed:
            measured.interrupted = True
            break
        if saved is not None:
            saved(measured)
    return measured
