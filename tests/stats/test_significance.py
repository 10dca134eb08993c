"""Welch's t-test on the logs, and the t distribution under it, against textbook values."""

from __future__ import annotations

import random

import pytest

from lab.stats.significance import detectable, incomplete_beta, paired_p, t_quantile, t_two_sided, welch_p


@pytest.mark.parametrize(
    ("t", "df", "p"), [(2.776, 4, 0.05), (2.228, 10, 0.05), (12.706, 1, 0.05), (1.96, 1e6, 0.05), (0, 5, 1.0)]
)
def test_the_t_tail_matches_the_tables(t: float, df: float, p: float) -> None:
    assert t_two_sided(t, df) == pytest.approx(p, abs=2e-4)


def test_the_t_quantile_inverts_the_tail() -> None:
    assert t_quantile(0.975, 4) == pytest.approx(2.776, abs=1e-3)
    assert t_quantile(0.8, 8) == pytest.approx(0.889, abs=1e-3)


def test_the_incomplete_beta_at_known_points() -> None:
    assert incomplete_beta(1, 1, 0.3) == pytest.approx(0.3)  # the uniform distribution
    assert incomplete_beta(2, 3, 0.4) == pytest.approx(0.5248)
    assert incomplete_beta(2, 3, 0) == 0 and incomplete_beta(2, 3, 1) == 1


def test_three_runs_a_side_can_tell_a_30_percent_change_but_not_noise() -> None:
    a = [1000.0, 1030.0, 980.0]
    assert welch_p(a, [700.0, 720.0, 690.0]) < 0.01  # type: ignore[operator]
    assert welch_p(a, [1010.0, 990.0, 1025.0]) > 0.5  # type: ignore[operator]


def test_fewer_than_three_runs_are_not_judged() -> None:
    assert welch_p([1.0, 2.0], [1.0, 2.0, 3.0]) is None
    assert welch_p([1.0, 2.0, 0.0], [1.0, 2.0, 3.0]) is None


def test_false_alarms_stay_near_alpha() -> None:
    rng = random.Random(3)
    alarms = sum(
        (welch_p([rng.gauss(100, 5) for _ in range(5)], [rng.gauss(100, 5) for _ in range(5)]) or 1) < 0.05
        for _ in range(400)
    )
    assert alarms / 400 < 0.09


def test_the_smallest_detectable_change_grows_with_the_noise_and_shrinks_with_runs() -> None:
    quiet, noisy = [100, 101, 99, 100.5], [100, 110, 90, 105]
    assert detectable(quiet, 5) < detectable(noisy, 5)  # type: ignore[operator]
    assert detectable(noisy, 10) < detectable(noisy, 3)  # type: ignore[operator]
    assert detectable([100], 5) is None


def test_the_paired_test_sees_a_change_through_speed_jumps_that_welch_cannot() -> None:
    speed = [1.0, 0.5, 0.8, 0.6, 0.9]
    a = [1000 * s for s in speed]
    b = [1100 * s * (1 + e) for s, e in zip(speed, [0.02, -0.01, 0.0, -0.02, 0.01], strict=True)]
    assert paired_p(a, b) < 0.001  # type: ignore[operator]
    assert welch_p(a, b) > 0.4  # type: ignore[operator]


def test_the_paired_test_on_known_values() -> None:
    # logs of the ratios: 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t = 0.2 / (0.1 / sqrt 3) = 3.464 on 2 df
    a = [1.0, 1.0, 1.0]
    b = [2.718281828**0.1, 2.718281828**0.2, 2.718281828**0.3]
    assert paired_p(a, b) == pytest.approx(0.0742, abs=5e-4)
    assert paired_p(a, a) == 1.0


def test_paired_rounds_below_three_or_unmatched_are_not_judged() -> None:
    assert paired_p([1.0, 2.0], [1.0, 2.0]) is None
    assert paired_p([1.0, 2.0, 3.0], [1.0, 2.0]) is None
    assert paired_p([1.0, 2.0, 0.0], [1.0, 2.0, 3.0]) is None


def test_paired_false_alarms_stay_near_alpha() -> None:
    rng = random.Random(4)
    alarms = 0
    for _ in range(400):
        speed = [rng.uniform(0.5, 1.0) for _ in range(5)]
        a, b = [s * rng.gauss(1, 0.05) for s in speed], [s * rng.gauss(1, 0.05) for s in speed]
        alarms += (paired_p(a, b) or 1) < 0.05
    assert alarms / 400 < 0.09
