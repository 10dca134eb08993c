"""What the exporter counts, as data that adds up: request histograms per (name, method) and the CPU of
every Locust process. A worker drains its counts into each report; the master merges them."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString

from lab.shared import metric_names
from lab.shared.buckets import LATENCY_BUCKETS

SATURATION = 0.9  # of one core: above it, the numbers describe Locust rather than the server
MIN_SAMPLE_S = 1.0  # shorter CPU samples are too noisy to judge saturation

logger = logging.getLogger("lab.loadgen.metrics")


@dataclass
class _Series:
    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))  # last: +Inf
    sum: float = 0.0
    failures: int = 0
    abandoned: int = 0  # in flight when their user was stopped: never in the buckets


class Requests:
    """Request histograms and failure counts per (name, method); mergeable, to add up workers' deltas."""

    def __init__(self) -> None:
        self.series: dict[tuple[str, str], _Series] = {}

    def observe(self, name: str, method: str, seconds: float, failed: bool) -> None:
        series = self.series.setdefault((name, method), _Series())
        series.buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1  # bucket `le` includes its bound
        series.sum += seconds
        series.failures += failed

    def abandon(self, name: str, method: str) -> None:
        self.series.setdefault((name, method), _Series()).abandoned += 1

    def drain(self) -> list[list[Any]]:
        """Everything observed since the last drain, as msgpack-able rows; then start afresh."""
        rows = [
            [name, method, s.buckets, s.sum, s.failures, s.abandoned]
            for (name, method), s in self.series.items()
        ]
        self.series = {}
        return rows

    def merge(self, rows: Iterable[list[Any]]) -> None:
        for name, method, buckets, total, failures, *rest in rows:
            series = self.series.setdefault((name, method), _Series())
            series.buckets = [a + b for a, b in zip(series.buckets, buckets, strict=True)]
            series.sum += total
            series.failures += failures
            series.abandoned += rest[0] if rest else 0  # a worker of an older lab sends five fields

    def collect(self) -> Iterator[Metric]:
        labels = ["name", "method"]
        duration = HistogramMetricFamily(
            metric_names.LOCUST_LATENCY, "Response time seen by Locust.", labels=labels
        )
        requests = CounterMetricFamily(
            metric_names.LOCUST_REQUESTS, "Requests made, failures included.", labels=labels
        )
        failures = CounterMetricFamily(metric_names.LOCUST_FAILURES, "Requests that failed.", labels=labels)
        abandoned = CounterMetricFamily(
            metric_names.LOCUST_ABANDONED,
            "Requests in flight when their user was stopped: never reported, possibly served.",
            labels=labels,
        )
        for (name, method), s in sorted(self.series.items()):
            cumulative, le = 0, []
            for bound, count in zip([*LATENCY_BUCKETS, float("inf")], s.buckets, strict=True):
                cumulative += count
                le.append((floatToGoString(bound), cumulative))
            duration.add_metric([name, method], le, s.sum)
            requests.add_metric([name, method], cumulative)
            failures.add_metric([name, method], s.failures)
            abandoned.add_metric([name, method], s.abandoned)
        yield from (duration, requests, failures, abandoned)


@dataclass
class _Process:
    role: str
    seconds: float  # CPU seconds so far (exported)
    sample_seconds: float  # CPU seconds at the start of the current sample
    sample_at: float  # that process's monotonic clock at the start of the current sample


class Cpu:
    """CPU seconds of every Locust process, and whether one of them saturated a core during this test."""

    def __init__(self) -> None:
        self.processes: dict[str, _Process] = {}
        self.saturated = False

    def update(self, process: str, role: str, seconds: float, at: float) -> None:
        p = self.processes.get(process)
        if p is None:
            self.processes[process] = _Process(role, seconds, seconds, at)
            return
        p.seconds = seconds
        if at - p.sample_at < MIN_SAMPLE_S:
            return
        usage = (seconds - p.sample_seconds) / (at - p.sample_at)
        p.sample_seconds, p.sample_at = seconds, at
        if usage > SATURATION and not self.saturated:
            self.saturated = True
            logger.warning(
                "Locust process %s used %.0f%% of a core: from now on the numbers describe Locust, not the "
                "server; add --processes or workers",
                process,
                usage * 100,
            )

    def collect(self) -> Iterator[Metric]:
        cpu = CounterMetricFamily(
            metric_names.LOCUST_PROCESS_CPU,
            "CPU time (user+system) of a Locust process.",
            labels=["process", "role"],
        )
        for process, p in sorted(self.processes.items()):
            cpu.add_metric([process, p.role], p.seconds)
        yield cpu
        yield GaugeMetricFamily(
            metric_names.LOCUST_CPU_SATURATED,
            f"1 once a Locust process used more than {SATURATION:.0%} of a core since the test started.",
            value=int(self.saturated),
        )
