"""The duet's interval: Student's t on the mean of the rounds' log ratios, the interval the paired t-test
inverts (issue 22).

Duet rounds run A and B at the same time, so each round's ratio B/A cancels whatever slowed the machine
then; the rounds' log ratios are what is summarised. Their mean +- t(n - 1) standard errors, back on the
ratio scale: the geometric mean of the ratios and its interval. It holds 1.0 exactly when the paired
t-test's p is at or above 1 - level, so the interval and the p-value never disagree.

Why not the bootstrap of `lab.stats.bootstrap`: with 5 rounds a bootstrap of the mean cannot reach past
the rounds' own smallest and largest ratio. When every round happens to lean the same way (two identical
copies: 1.024, 1.003, 1.049, 1.006, 1.003, which happens in 1 of 16 trials by chance alone), its
interval excluded 1.0 while the t-test gave p = 0.13. Measured over 10 trials of identical copies
(`make bench-ab`), that was 2 of 10 req/s intervals; the t interval held 1.0 in all of them, and was at
most 4.6% wide on each side.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from lab.stats.bootstrap import LEVEL, Interval, check_paired
from lab.stats.significance import t_quantile


def paired_ratio_interval(a: Sequence[float], b: Sequence[float], *, level: float = LEVEL) -> Interval:
    """The geometric mean of b[i] / a[i] and its t interval (see the module).

    ValueError when the sides differ in length, have fewer than 2 rounds, or a value is not > 0."""
    check_paired(a, b)
    if min(*a, *b) <= 0:
        raise ValueError("a ratio needs positive values on both sides")
    logs = [math.log(y / x) for x, y in zip(a, b, strict=True)]
    mean = statistics.fmean(logs)
    reach = t_quantile(1 - (1 - level) / 2, len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))
    return Interval(math.exp(mean), math.exp(mean - reach), math.exp(mean + reach), level)
