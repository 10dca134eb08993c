"""The duration buckets the server and Locust share resolve the catalogue's latencies to 10% (issue 25)."""

from __future__ import annotations

import itertools

from lab.shared.buckets import FINE_FROM_S, FINE_TO_S, LATENCY_BUCKETS
from lab.shared.scenarios import BACKGROUND_MS, CPU_MS, DB_MS, FANOUT_MS, FANOUT_N, IO_MS


def test_bounds_rise_and_are_at_most_ten_percent_apart_where_it_matters() -> None:
    bounds = list(LATENCY_BUCKETS)
    assert bounds == sorted(set(bounds))
    fine = [(lo, hi) for lo, hi in itertools.pairwise(bounds) if FINE_FROM_S <= lo < FINE_TO_S]
    assert fine and fine[0][0] == FINE_FROM_S and fine[-1][1] == FINE_TO_S
    assert max((hi - lo) / lo for lo, hi in fine) <= 0.1 + 1e-9


def test_the_catalogues_service_times_and_queues_fall_inside_the_fine_range() -> None:
    # Each request's own wait at the defaults, and the p95 of a closed loop of 100 users (users / ceiling)
    # on the catalogue's smallest pools: 40 tokens for a def endpoint, one core for CPU work.
    services = [IO_MS.default, CPU_MS.default, FANOUT_MS.default, FANOUT_N.default * FANOUT_MS.default]
    services += [BACKGROUND_MS.default, DB_MS.default]
    queues = [100 / (40 / (IO_MS.default / 1000)), 100 * CPU_MS.default / 1000]
    for seconds in [ms / 1000 for ms in services] + queues:
        assert FINE_FROM_S <= seconds <= FINE_TO_S, seconds
