"""The duet's interval (lab.stats.paired): the geometric mean of the rounds' ratios, Student's t over
their logs, coherent with the paired t-test."""

from __future__ import annotations

import random

import pytest

from lab.stats.paired import paired_ratio_interval
from lab.stats.significance import paired_p


def test_duet_ratios_cancel_a_machine_whose_speed_jumps_between_rounds() -> None:
    """Each round's ratio is steady (B 20% slower +-2%) while the machine's speed moves 2x."""
    speed = [1.0, 0.5, 0.8, 0.6, 0.9]
    a = [1000 * s for s in speed]
    b = [1200 * s * (1 + e) for s, e in zip(speed, [0.02, -0.01, 0.0, -0.02, 0.01], strict=True)]
    found = paired_ratio_interval(a, b)
    assert found.estimate == pytest.approx(1.2, abs=0.005)
    assert 1.17 < found.lo < found.estimate < found.hi < 1.23


def test_rounds_that_all_lean_one_way_by_a_little_still_hold_one() -> None:
    """Two identical copies measured this way (make bench-ab): a bootstrap's interval stopped at the
    smallest round, 1.003, and excluded 1.0 while the t-test gave p = 0.13."""
    a = [100.0] * 5
    b = [102.4, 100.3, 104.9, 100.6, 100.3]
    found = paired_ratio_interval(a, b)
    assert found.lo < 1.0 < found.hi and found.half_width < 0.03
    assert paired_p(a, b) == pytest.approx(0.13, abs=0.01)


def test_the_interval_holds_one_exactly_when_the_paired_t_test_finds_no_difference() -> None:
    rng = random.Random(22)
    for _ in range(300):
        n = rng.randint(3, 12)
        shift = rng.choice([1.0, 1.02, 0.95])
        a = [rng.uniform(50, 100) for _ in range(n)]
        b = [x * shift * rng.gauss(1, 0.03) for x in a]
        p = paired_p(a, b)
        assert p is not None
        assert paired_ratio_interval(a, b).holds(1.0) == (p >= 0.05), (a, b, p)


def test_identical_sides_hold_one_95_times_in_100() -> None:
    """5 rounds, each side +-2% (the rounds' ratios about +-2.8%, as measured with swapped halves)."""
    rng = random.Random(5)
    found = []
    for _ in range(400):
        a = [1000 * rng.gauss(1, 0.02) for _ in range(5)]
        b = [1000 * rng.gauss(1, 0.02) for _ in range(5)]
        found.append(paired_ratio_interval(a, b))
    assert 0.93 <= sum(f.holds(1.0) for f in found) / len(found) <= 0.97
    assert sorted(f.half_width for f in found)[len(found) // 2] < 0.04


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ([1.0, 2.0], [1.0], "paired rounds"),
        ([1.0], [1.0], "at least 2"),
        ([1.0, 0.0], [1.0, 1.0], "positive"),
    ],
)
def test_ratios_that_cannot_be_estimated_say_why(a: list[float], b: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_ratio_interval(a, b)
