"""The numeric core of a cell: quantiles from buckets, increases and rates across counter resets. Pure
functions, checked against hand-computed values (the client's percentiles: tests/runtime/test_latency.py)."""

from __future__ import annotations

import math

import pytest

from lab.measure.samples import increase, quantile
from lab.measure.scrape import REQUESTS, _delta, _loop_seconds, _rate, apart, in_progress
from lab.shared import metric_names

INF = math.inf


def test_quantile_interpolates_inside_the_bucket_like_histogram_quantile() -> None:
    # 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.2], 10 in (0.2, 0.5].
    cumulative = {0.1: 50.0, 0.2: 90.0, 0.5: 100.0, INF: 100.0}
    assert quantile(0.5, cumulative) == pytest.approx(0.1)
    assert quantile(0.25, cumulative) == pytest.approx(0.05)
    assert quantile(0.7, cumulative) == pytest.approx(0.15)
    assert quantile(0.95, cumulative) == pytest.approx(0.35)


def test_quantile_of_empty_buckets_is_none() -> None:
    assert quantile(0.99, {}) is None
    assert quantile(0.99, {0.1: 0.0, INF: 0.0}) is None


def test_quantile_in_the_inf_bucket_is_the_highest_finite_bound() -> None:
    assert quantile(0.99, {0.1: 1.0, 10.0: 1.0, INF: 100.0}) == pytest.approx(10.0)


def test_increase_across_a_counter_reset() -> None:
    assert increase(10.0, 25.0) == 15.0
    assert increase(10.0, 10.0) == 0.0
    assert increase(1000.0, 7.0) == 7.0  # restarted: counted from zero again


def test_bucket_delta_across_a_reset_takes_the_new_counts() -> None:
    before = {0.1: 50.0, INF: 100.0}
    assert _delta({0.1: 60.0, INF: 130.0}, before) == {0.1: 10.0, INF: 30.0}
    assert _delta({0.1: 3.0, INF: 4.0}, before) == {0.1: 3.0, INF: 4.0}
    assert _delta({0.1: 3.0, INF: 4.0}, {}) == {0.1: 3.0, INF: 4.0}  # nothing before: all new


def test_rate_inside_the_window_across_a_reset() -> None:
    series = [(0.0, 0.0), (1.0, 10.0), (2.0, 20.0), (3.0, 5.0), (4.0, 15.0), (9.0, 99.0)]
    # Inside [1, 4]: +10, then a reset to 5 (+5), then +10: 25 over 3 s.
    assert _rate(series, (1.0, 4.0)) == pytest.approx(25 / 3)
    assert _rate(series, (1.0, 1.5)) is None  # one reading: no rate
    assert _rate(series, None) is None


def test_the_metrics_read_itself_is_neither_work_nor_in_flight() -> None:
    """An app whose instrumentation counts /metrics (the instrumentator's default, unlabelled in-progress
    gauge) drains: its reads are left out of the requests, and the one being served out of the gauge."""
    instrumentator = {
        REQUESTS: [({"handler": "/noop/async"}, 10.0), ({"handler": "/metrics"}, 4.0)],
        metric_names.HTTP_INPROGRESS: [({}, 1.0)],  # this very read
    }
    assert apart(instrumentator, REQUESTS, "/metrics") == 10.0
    assert apart(instrumentator, REQUESTS, "/metrics", handler="/metrics") == 4.0  # asked for: kept
    assert in_progress(instrumentator, "/metrics") == 0.0
    labelled = {
        metric_names.HTTP_INPROGRESS: [({"handler": "/noop/async"}, 2.0), ({"handler": "/metrics"}, 1.0)]
    }
    assert in_progress(labelled, "/metrics") == 2.0
    assert in_progress({}, "/metrics") == 0.0  # nothing served yet


def test_the_loop_seconds_of_a_window_and_none_from_a_server_without_them() -> None:
    name = metric_names.sample(metric_names.REQUEST_LOOP, "sum")
    first = {name: [({"handler": "/a"}, 1.0), ({"handler": "/b"}, 0.5)]}
    last = {name: [({"handler": "/a"}, 2.5), ({"handler": "/b"}, 1.0)]}
    assert _loop_seconds(first, last) == pytest.approx(2.0)
    assert _loop_seconds({}, {}) is None
