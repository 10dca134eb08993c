"""Each handler's CPU per request, measured in the server (issue 21 §1: demands per handler).

The lab reads the server's CPU from outside (the whole process tree over a window), which gives a class's
CPU per request but not each handler's when a locustfile mixes several. Here each request's process CPU
(`time.process_time()`, every thread of the worker: a `def` handler runs in the thread pool, not on the
loop's thread) from its start to its end:

    lab_request_cpu_seconds{handler}    histogram; the worker's CPU while the request was in flight

At one user (the calibration) nothing else runs in the worker, so it is the request's own CPU; under load
it also counts the requests that overlapped it, and only its sum over a window means anything (the
worker's CPU). A process pool's CPU is in its own processes, not here.

Hooked by two lines in `LabInstrumentatorMiddleware.__call__` (lab.server.instrumentation):
`cpu = demand.started()` next to `start = default_timer()`, and `demand.observe(route.cpu, cpu)` next
to `route.duration.observe(...)`. A `process_time()` call is a clock read of about a microsecond.
"""

from __future__ import annotations

import time

from prometheus_client import Histogram

from lab.shared import metric_names
from lab.shared.buckets import CPU_BUCKETS

REQUEST_CPU = Histogram(
    metric_names.REQUEST_CPU,
    "Process CPU (every thread of the worker) while a request was in flight: its own CPU at one user.",
    ["handler"],
    buckets=CPU_BUCKETS,
)


def started() -> float:
    return time.process_time()


def observe(child: Histogram, cpu_at_start: float) -> None:
    """Record the request's CPU in `child` (REQUEST_CPU's, of its handler)."""
    child.observe(max(time.process_time() - cpu_at_start, 0.0))
