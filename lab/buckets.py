"""Histogram bucket layouts shared by the server (`lab.metrics`) and Locust (`lab.locust_metrics`).

A module of its own so that Locust can use the server's layout without importing `lab.metrics`, which
would register the server's metrics in the Locust process.
"""

from __future__ import annotations

# Resolves 1 ms to 10 s. The server's and Locust's latency histograms share it: compared bucket by bucket.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075,
    0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
