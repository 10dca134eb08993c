"""Histogram bucket layouts shared by the server (`lab.server.metrics`) and Locust (`lab.loadgen.metrics`).

A module of its own so that Locust can use the server's layout without importing `lab.server.metrics`, which
would register the server's metrics in the Locust process.
"""

from __future__ import annotations

# Resolves 1 ms to 10 s, with bounds no more than ~50% apart (mostly 20-33%), so that a quantile
# interpolated inside a bucket stays close: with 100 ms sleeps every request lands just above 0.1, and a
# 0.1..0.25 bucket would report a p95 near 240 ms. The server's and Locust's histograms share it.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075,
    0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75,
    1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0,
)  # fmt: skip

# A request's own CPU (lab.server.demand): 0.1 ms to 1 s.
CPU_BUCKETS: tuple[float, ...] = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
)  # fmt: skip
