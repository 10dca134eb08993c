"""Is a difference between two sets of runs more than noise? Welch's t-test (or the paired one), on logs.

On the logarithms because a change in speed is a ratio (20% slower is the same change at 100 and at
10,000 req/s); Welch's because the two sides need not share a variance. Not a rank test (Mann-Whitney)
nor a permutation test: with 3 runs a side neither can reach p < 0.05 at all (20 orderings, the most
extreme has p = 0.1), and 3 runs a side is what the lab asks for. The t distribution's tail comes from the
regularized incomplete beta function (Numerical Recipes' continued fraction), pure Python.
Duet rounds, where A and B ran at the same time, pair up: `paired_p` is the t-test on the logs of the
rounds' ratios, which leaves out of the test whatever moved both sides of a round alike.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

ALPHA = 0.05
MIN_RUNS = 3  # below this on either side, significance is not judged


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        even = m * (b - m) * x / ((qam + m2) * (a + m2))
        odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        for aa in (even, odd):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-14:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for 0 <= x <= 1."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1 - x) / b


def t_two_sided(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom."""
    return incomplete_beta(df / 2, 0.5, df / (df + t * t))


def t_quantile(p: float, df: float) -> float:
    """The t value with P(T <= t) = p (0.5 < p < 1), by bisection on the tail."""
    lo, hi = 0.0, 1e6
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_two_sided(mid, df) / 2 > 1 - p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def welch_p(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The two-sided p-value of Welch's t-test on log(a) against log(b); None when either side has fewer
    than MIN_RUNS runs or a value is not > 0 (significance cannot be judged)."""
    if min(len(a), len(b)) < MIN_RUNS or min(*a, *b) <= 0:
        return None
    la, lb = [math.log(v) for v in a], [math.log(v) for v in b]
    va, vb = statistics.variance(la) / len(la), statistics.variance(lb) / len(lb)
    diff = statistics.fmean(lb) - statistics.fmean(la)
    if va + vb == 0:
        return 1.0 if diff == 0 else 0.0
    df = (va + vb) ** 2 / (va**2 / (len(la) - 1) + vb**2 / (len(lb) - 1))
    return t_two_sided(diff / math.sqrt(va + vb), df)


def paired_p(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The two-sided p-value of the paired t-test on the logs of the ratios b[i] / a[i] (duet rounds: a
    and b measured at the same time, so what slowed the machine in round i cancels in its ratio); None
    below MIN_RUNS pairs or when a value is not > 0."""
    if len(a) != len(b) or len(a) < MIN_RUNS or min(*a, *b) <= 0:
        return None
    logs = [math.log(y / x) for x, y in zip(a, b, strict=True)]
    spread = statistics.stdev(logs) / math.sqrt(len(logs))
    if spread == 0:
        return 1.0 if statistics.fmean(logs) == 0 else 0.0
    return t_two_sided(statistics.fmean(logs) / spread, len(logs) - 1)


def detectable(values: Sequence[float], runs: int, power: float = 0.8) -> float | None:
    """The smallest relative change two sides of `runs` runs each would find significant (alpha 0.05)
    `power` of the time, given the run-to-run spread of `values`: (t_0.975 + t_power) * cv * sqrt(2 / n).
    None for fewer than 2 values or runs."""
    if len(values) < 2 or runs < 2 or statistics.fmean(values) <= 0:
        return None
    cv = statistics.stdev(values) / statistics.fmean(values)
    df = 2 * runs - 2
    return (t_quantile(1 - ALPHA / 2, df) + t_quantile(power, df)) * cv * math.sqrt(2 / runs)
