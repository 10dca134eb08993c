"""The Universal Scalability Law (Gunther): throughput at N of workers or users, and how far it goes.

    X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))

sigma is contention (the serial share), kappa coherency (the cost of keeping N in step). Fitted by least
squares with bounds, as the usl R package and usl4j do: sigma and kappa in [0, 1], lambda > 0. For fixed
(sigma, kappa) the best lambda has a closed form, so the search is over two bounded numbers: a coarse grid,
then a pattern search around its best cell. Pure Python, no numpy: a handful of points.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_POINTS = 6  # fewer: two parameters and a scale from too little (issue 23)
GRID = 41  # the coarse grid per parameter, on a square-root scale (small values matter most)
STEPS = 200  # moves or halvings of the pattern search


class FitError(ValueError):
    """Too few points, or points no law can be fitted to (a load of 0, a throughput <= 0)."""


@dataclass(frozen=True)
class Fit:
    sigma: float
    kappa: float
    lam: float  # throughput of one (req/s at N = 1)
    rmse: float  # root mean square error of the fit, req/s
    relative_error: float  # rmse / mean measured throughput
    points: int

    def rps(self, n: float) -> float:
        return self.lam * n / (1 + self.sigma * (n - 1) + self.kappa * n * (n - 1))

    @property
    def peak_n(self) -> float | None:
        """Where X(N) peaks: sqrt((1 - sigma) / kappa); None without coherency (it only flattens)."""
        if self.kappa <= 0:
            return None
        return math.sqrt(max(1 - self.sigma, 0.0) / self.kappa)


def _shape(sigma: float, kappa: float, n: float) -> float:
    return n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def _lam_and_sse(points: Sequence[tuple[float, float]], sigma: float, kappa: float) -> tuple[float, float]:
    shapes = [_shape(sigma, kappa, n) for n, _ in points]
    lam = sum(f * x for f, (_, x) in zip(shapes, points, strict=True)) / sum(f * f for f in shapes)
    return lam, sum((lam * f - x) ** 2 for f, (_, x) in zip(shapes, points, strict=True))


def _spacing(grid: list[float], value: float) -> float:
    """The grid's spacing around `value` (a square-root scale is finer near 0)."""
    i = min(range(len(grid)), key=lambda j: abs(grid[j] - value))
    return max(grid[min(i + 1, len(grid) - 1)] - grid[max(i - 1, 0)], 1e-6) / 2


def fit(points: Sequence[tuple[float, float]]) -> Fit:
    """The bounded least-squares fit of (N, X) points: at least MIN_POINTS at distinct N >= 1."""
    distinct = {n for n, _ in points}
    if len(distinct) < MIN_POINTS:
        raise FitError(f"the USL needs {MIN_POINTS} distinct points, got {len(distinct)}")
    if any(n < 1 or x <= 0 for n, x in points):
        raise FitError("every point needs N >= 1 and a throughput > 0")
    grid = [(i / (GRID - 1)) ** 2 for i in range(GRID)]
    best, sigma, kappa = min((_lam_and_sse(points, s, k)[1], s, k) for s in grid for k in grid)
    # Then a pattern search in eight directions (the valley between sigma and kappa runs diagonally),
    # each parameter's step starting at the grid's spacing around the best cell, halved when nothing moves.
    steps = [_spacing(grid, sigma), _spacing(grid, kappa)]
    for _ in range(STEPS):
        moved = False
        for ds, dk in itertools.product((-1, 0, 1), repeat=2):
            s = min(max(sigma + ds * steps[0], 0.0), 1.0)
            k = min(max(kappa + dk * steps[1], 0.0), 1.0)
            sse = _lam_and_sse(points, s, k)[1]
            if sse < best:
                best, sigma, kappa, moved = sse, s, k, True
        if not moved:
            steps = [steps[0] / 2, steps[1] / 2]
    lam, sse = _lam_and_sse(points, sigma, kappa)
    rmse = math.sqrt(sse / len(points))
    mean = sum(x for _, x in points) / len(points)
    return Fit(sigma, kappa, lam, rmse, rmse / mean, len(points))
