"""Bootstrap intervals: of a mean, of a paired ratio of means, of duet ratios; reproducible from the seed."""

from __future__ import annotations

import random

import pytest

from lab.stats.bootstrap import Interval, mean_ci, ratio_ci


def test_a_mean_interval_holds_the_mean_and_narrows_with_more_runs() -> None:
    rng = random.Random(1)
    few = [100 + rng.gauss(0, 5) for _ in range(4)]
    many = [100 + rng.gauss(0, 5) for _ in range(40)]
    small, large = mean_ci(few), mean_ci(many)
    assert small.lo <= small.estimate <= small.hi
    assert large.half_width < small.half_width
    assert large.holds(100.0)


def test_the_same_runs_give_the_same_interval() -> None:
    values = [3.0, 5.0, 4.0, 6.0]
    assert mean_ci(values) == mean_ci(values)


def test_a_paired_ratio_cancels_what_drifted_in_both_sides() -> None:
    # The machine slowed down between rounds by up to 2x; B is 20% slower in every round.
    drift = [1.0, 0.5, 0.8, 0.6, 0.9]
    a = [1000 * d for d in drift]
    b = [800 * d for d in drift]
    found = ratio_ci(a, b)
    assert found.estimate == pytest.approx(0.8)
    assert found.lo == pytest.approx(0.8) and found.hi == pytest.approx(0.8)


def test_an_identical_pair_holds_one_and_a_slower_one_does_not() -> None:
    rng = random.Random(7)
    a = [1000 * rng.uniform(0.95, 1.05) for _ in range(5)]
    same = [1000 * rng.uniform(0.95, 1.05) for _ in range(5)]
    slower = [700 * rng.uniform(0.95, 1.05) for _ in range(5)]
    assert ratio_ci(a, same).holds(1.0)
    assert ratio_ci(a, slower).hi < 0.8


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ([1.0, 2.0], [1.0], "paired rounds"),
        ([1.0], [1.0], "at least 2"),
        ([0.0, 0.0], [1.0, 1.0], "positive"),
    ],
)
def test_a_ratio_that_cannot_be_estimated_says_why(a: list[float], b: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ratio_ci(a, b)


def test_an_interval_overlaps_and_measures_its_half_width() -> None:
    one, two = Interval(100, 95, 105), Interval(110, 104, 116)
    assert one.overlaps(two) and two.overlaps(one)
    assert not one.overlaps(Interval(120, 110, 130))
    assert one.half_width == pytest.approx(0.05)
