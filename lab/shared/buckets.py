"""Histogram bucket layouts shared by the server (`lab.server.metrics`) and Locust (`lab.loadgen.metrics`).

A module of its own so that Locust can use the server's layout without importing `lab.server.metrics`, which
would register the server's metrics in the Locust process.
"""

from __future__ import annotations

# Bucket bounds at most 10% apart from FINE_FROM_S to FINE_TO_S (issue 25): the catalogue's service times
# (10 ms of CPU to 5 x 50 ms of fan-out) and its p95 under the default 100 users (a queue of users /
# ceiling: 0.25 s for io-sync on 40 tokens, 0.6 s for fanout-sync, 1 s for cpu-sync on one core) all fall
# inside, so a quantile interpolated within a bucket is off by under 10% (the old 0.1..0.125 bucket put
# a 123 ms p95 anywhere in 25 ms). Coarser outside: under 5 ms nothing of the catalogue is measured, over
# 5 s only a stalled server (io-blocking) answers. The server's and Locust's histograms share it.
FINE_FROM_S, FINE_TO_S = 0.005, 5.0
# Round numbers 10% apart at most, per decade: 1, 1.1, ... 9.5 (then 10).
_MANTISSAS = (
    1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.75, 1.9, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.3, 3.6, 3.9, 4.2, 4.6,
    5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.8, 9.5,
)  # fmt: skip
_FINE = tuple(
    b
    for d in (0.001, 0.01, 0.1, 1.0)
    for m in _MANTISSAS
    if FINE_FROM_S <= (b := round(m * d, 6)) <= FINE_TO_S
)
LATENCY_BUCKETS: tuple[float, ...] = (0.001, 0.002, 0.003, 0.004, *_FINE, 7.5, 10.0, 15.0, 20.0, 30.0, 60.0)

# A request's own CPU (lab.server.demand): 0.1 ms to 1 s.
CPU_BUCKETS: tuple[float, ...] = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
)  # fmt: skip
