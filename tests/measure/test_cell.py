"""A measurement's cores: what Locust left the server, and what the machine's other processes used."""

from __future__ import annotations

import pytest

from lab.measure.cell import Measurement
from lab.measure.scrape import ServerWindow
from lab.runtime.headless import LoadResult


def measurement(busy: float | None, server: float = 0.3, locust: float = 0.5) -> Measurement:
    load = LoadResult(
        requests=100, failures=0, duration_s=2.0, rps=50.0, p50_ms=1, p95_ms=2, p99_ms=3,
        generator_cpu=locust, generator_saturated=False, window=(0.0, 2.0),
    )  # fmt: skip
    window = ServerWindow(
        cpu_s=0.6, window_s=2.0, cores=server, requests=100, loop_lag_p99_ms=1.0, threadpool_in_use_max=1,
        threadpool_waiting_max=0, process_pool_pending_max=0, workers_busy=1.0,
    )  # fmt: skip
    return Measurement(load, window, busy)


def test_usable_cores_are_what_locust_leaves_and_the_others_are_reported_beside() -> None:
    """A saturated machine (2 of 2 cores busy): the server used 0.3, Locust 0.5, others 1.2. Taking the
    others off would leave the server exactly what it used, and the CPU would bind every cell."""
    found = measurement(busy=2.0)
    assert found.usable_cores(2, pinned=False) == pytest.approx(1.5)
    assert found.other_cores == pytest.approx(1.2)
    assert found.usable_cores(3, pinned=True) == 3.0  # its own cores when pinned
    assert measurement(busy=None).other_cores is None
    assert measurement(busy=0.5).other_cores == 0.0  # never below zero (sampling skew)
