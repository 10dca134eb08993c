"""Bootstrap confidence intervals over runs: of a mean, of a ratio of means, of paired ratios.

The percentile method, expanded for small samples (Hesterberg, "What teachers should know about the
bootstrap", 2015): with n runs the plain percentile interval is too narrow (at 3 runs it holds the true
value about 70% of the time, not 95%), so the tails taken are those of a normal at
sqrt(n / (n - 1)) * t(n - 1) instead of 1.96. With 3 runs that is the whole range of the resamples.

A ratio B/A is resampled by round: round i of A and round i of B are drawn together, which is sound when
the rounds were measured interleaved (A B A B ...): what drifted during round i hit both sides alike.
Duet rounds (A and B measured at the same time) are judged by the ratio of each round instead, with a
t interval (lab.stats.paired).
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from lab.stats.significance import t_quantile

LEVEL = 0.95
RESAMPLES = 4000
SEED = 22  # issue 22: any fixed seed; the same data always gives the same interval


@dataclass(frozen=True)
class Interval:
    """An estimate and its confidence interval [lo, hi] at `level`."""

    estimate: float
    lo: float
    hi: float
    level: float = LEVEL

    @property
    def half_width(self) -> float:
        """Half the interval, relative to the estimate (0.05: +-5%); inf when the estimate is 0."""
        return (self.hi - self.lo) / 2 / abs(self.estimate) if self.estimate else float("inf")

    def holds(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def overlaps(self, other: Interval) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


def expanded_tail(n: int, level: float) -> float:
    """The probability in each tail the expanded percentile interval leaves out, for n runs."""
    z = math.sqrt(n / (n - 1)) * t_quantile(1 - (1 - level) / 2, n - 1)
    return 0.5 * math.erfc(z / math.sqrt(2))


def _percentiles(draws: list[float], level: float, n: int) -> tuple[float, float]:
    draws.sort()
    tail = expanded_tail(n, level)
    last = len(draws) - 1
    return draws[round(tail * last)], draws[round((1 - tail) * last)]


def mean_ci(
    values: Sequence[float], *, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = SEED
) -> Interval:
    """The mean of `values` and its bootstrap interval; ValueError for fewer than 2 values."""
    if len(values) < 2:
        raise ValueError(f"an interval needs at least 2 values, got {len(values)}")
    rng = random.Random(seed)
    n = len(values)
    draws = [statistics.fmean(rng.choices(values, k=n)) for _ in range(resamples)]
    lo, hi = _percentiles(draws, level, n)
    return Interval(statistics.fmean(values), lo, hi, level)


def check_paired(a: Sequence[float], b: Sequence[float]) -> None:
    """ValueError unless round i of A has its round i of B, over 2 rounds at least."""
    if len(a) != len(b):
        raise ValueError(f"paired rounds: {len(a)} of A and {len(b)} of B")
    if len(a) < 2:
        raise ValueError(f"an interval needs at least 2 rounds, got {len(a)}")


def ratio_ci(
    a: Sequence[float],
    b: Sequence[float],
    *,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Interval:
    """mean(b) / mean(a) and its bootstrap interval, rounds resampled in pairs (a[i] with b[i]).

    ValueError when the sides differ in length, have fewer than 2 rounds, or a side's mean is not > 0."""
    check_paired(a, b)
    if min(statistics.fmean(a), statistics.fmean(b)) <= 0:
        raise ValueError("a ratio of means needs positive values on both sides")
    rng = random.Random(seed)
    n = len(a)
    draws = []
    for _ in range(resamples):
        picked = rng.choices(range(n), k=n)
        base = sum(a[i] for i in picked)
        draws.append(sum(b[i] for i in picked) / base if base > 0 else float("inf"))
    lo, hi = _percentiles(draws, level, n)
    return Interval(statistics.fmean(b) / statistics.fmean(a), lo, hi, level)
