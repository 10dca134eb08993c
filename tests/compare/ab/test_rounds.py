"""The order of an A/B's runs: interleaved, alternating which side opens a round."""

from __future__ import annotations

from lab.compare.ab.rounds import order


def test_rounds_alternate_a_b_then_b_a() -> None:
    assert order(3) == [(1, "A"), (1, "B"), (2, "B"), (2, "A"), (3, "A"), (3, "B")]


def test_each_side_runs_once_a_round_and_first_as_often_as_the_other() -> None:
    runs = order(6)
    assert sorted(runs) == [(r, s) for r in range(1, 7) for s in ("A", "B")]
    firsts = [runs[i][1] for i in range(0, 12, 2)]
    assert firsts.count("A") == firsts.count("B") == 3
