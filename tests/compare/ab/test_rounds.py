"""The order of an A/B's runs: interleaved, alternating which side opens a round."""

from __future__ import annotations

from pathlib import Path

from lab.compare.ab.result import Run
from lab.compare.ab.rounds import Measured, order, record


def test_rounds_alternate_a_b_then_b_a() -> None:
    assert order(3) == [(1, "A"), (1, "B"), (2, "B"), (2, "A"), (3, "A"), (3, "B")]


def test_each_side_runs_once_a_round_and_first_as_often_as_the_other() -> None:
    runs = order(6)
    assert sorted(runs) == [(r, s) for r in range(1, 7) for s in ("A", "B")]
    firsts = [runs[i][1] for i in range(0, 12, 2)]
    assert firsts.count("A") == firsts.count("B") == 3


def test_a_run_that_wrote_no_summary_is_recorded_without_cells_and_not_ok(tmp_path: Path) -> None:
    measured = Measured()
    (tmp_path / "runs" / "A1").mkdir(parents=True)
    record(measured, "A", 1, tmp_path / "runs" / "A1", tmp_path)
    assert measured.runs == [Run(side="A", round=1, out="runs/A1", ok=False)] and measured.cells == [{}]
    assert measured.rounds == {"A": [{}], "B": []}
