"""The USL fit recovers known contention and coherency, and refuses too few points."""

from __future__ import annotations

import pytest

from lab.model.usl import FitError, fit


def law(n: float, sigma: float = 0.08, kappa: float = 0.004, lam: float = 100.0) -> float:
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def test_the_fit_recovers_the_law_it_was_drawn_from() -> None:
    points = [(n, law(n)) for n in (1, 2, 4, 8, 16, 24, 32)]
    found = fit(points)
    assert found.sigma == pytest.approx(0.08, abs=0.01)
    assert found.kappa == pytest.approx(0.004, abs=0.001)
    assert found.lam == pytest.approx(100, rel=0.02)
    assert found.relative_error < 0.01
    assert found.peak_n == pytest.approx((0.92 / 0.004) ** 0.5, rel=0.1)


def test_linear_scaling_has_no_peak() -> None:
    found = fit([(n, 50.0 * n) for n in range(1, 8)])
    assert found.sigma < 0.01 and found.kappa < 1e-4
    assert found.peak_n is None or found.peak_n > 50


def test_bounds_hold_on_noisy_data() -> None:
    points = [(n, law(n) * (1.05 if n % 2 else 0.95)) for n in range(1, 9)]
    found = fit(points)
    assert 0 <= found.sigma <= 1 and 0 <= found.kappa <= 1 and found.lam > 0


@pytest.mark.parametrize(
    "points", [[(n, 10.0 * n) for n in range(1, 6)], [(0, 1.0), *((n, 1.0) for n in range(1, 7))]]
)
def test_too_few_or_bad_points_are_refused(points: list[tuple[float, float]]) -> None:
    with pytest.raises(FitError):
        fit(points)
