"""Every metric the server exports, declared once as module-level constants (names: lab.shared.metric_names).

HTTP metrics come from prometheus-fastapi-instrumentator (requests and their duration, with the route
template in `handler`); the rest are the lab's own and
explain the results: event-loop lag, thread-pool tokens, process-pool queue, CPU spent per request.

Multiprocess mode (PROMETHEUS_MULTIPROC_DIR set by the launcher): counters and histograms sum over
workers, including dead ones, so totals stay exact; gauges use `liveall` (one series per live worker,
labelled `pid`), so `sum()` aggregates them and a worker marked dead disappears.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram
from prometheus_fastapi_instrumentator import metrics as pfi

from lab.shared import metric_names as names
from lab.shared.buckets import LATENCY_BUCKETS

LAG_BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

# The instrumentator's metric functions register their collectors when called; calling them once here
# keeps one declaration per process however many apps are created (tests create several).
HTTP_REQUESTS = pfi.requests(metric_name=names.HTTP_REQUESTS)  # {handler,method,status}
HTTP_LATENCY = pfi.latency(  # {handler,method}
    metric_name=names.HTTP_LATENCY, buckets=LATENCY_BUCKETS, should_include_status=False
)
HTTP_INPROGRESS = Gauge(
    names.HTTP_INPROGRESS,
    "HTTP requests being served now.",
    ["method", "handler"],
    multiprocess_mode="livesum",
)

SERVER_INFO = Gauge(
    names.SERVER_INFO,
    "The server configuration this process belongs to (value 1; one series per live worker).",
    ["config", "server", "workers", "threadpool", "loop", "http", "process_pool", "app"],
    multiprocess_mode="liveall",
)
EVENT_LOOP_LAG = Histogram(
    names.EVENT_LOOP_LAG,
    "How late a periodic timer on the event loop fires.",
    buckets=LAG_BUCKETS,
)
THREADPOOL_TOKENS = Gauge(
    names.THREADPOOL_TOKENS,
    "anyio default thread-limiter tokens (threads `def` endpoints may use at once).",
    multiprocess_mode="liveall",
)
THREADPOOL_IN_USE = Gauge(
    names.THREADPOOL_IN_USE,
    "anyio default thread-limiter tokens borrowed now.",
    multiprocess_mode="liveall",
)
THREADPOOL_WAITING = Gauge(
    names.THREADPOOL_WAITING,
    "Tasks waiting for a thread-limiter token.",
    multiprocess_mode="liveall",
)
PROCESS_POOL_PENDING = Gauge(
    names.PROCESS_POOL_PENDING,
    "CPU jobs submitted to this worker's process pool and not finished.",
    multiprocess_mode="liveall",
)
# The catalogue's database pools (issue 16), labelled pool="sync" (/db/sync, /db/blocking) or "async"
# (/db/async); set on every checkout and return, so a scrape sees the pool as it is.
DB_POOL_SIZE = Gauge(
    names.DB_POOL_SIZE,
    "Connections in this worker's database pool (the configuration's db_pool).",
    ["pool"],
    multiprocess_mode="liveall",
)
DB_POOL_IN_USE = Gauge(
    names.DB_POOL_IN_USE,
    "Database connections checked out of this worker's pool now.",
    ["pool"],
    multiprocess_mode="liveall",
)
DB_POOL_WAITING = Gauge(
    names.DB_POOL_WAITING,
    "Requests waiting for a database connection from this worker's pool.",
    ["pool"],
    multiprocess_mode="liveall",
)
CPU_WORK = Histogram(
    names.CPU_WORK,
    "CPU time actually spent by the work of one CPU request.",
    ["handler"],
    buckets=LATENCY_BUCKETS,
)
# A counter per (pid, kind) sums correctly across workers and survives a worker's death.
PROCESS_CPU = Counter(
    names.PROCESS_CPU,
    "CPU seconds (user+system) used by a server worker (kind=worker) or its process pool (kind=pool).",
    ["pid", "kind"],
)
# Per worker, so that the lab can tell how the requests were spread over the workers (lab.measure.scrape):
# the instrumentator's counter has no pid, and CPU shares say little where a request costs little CPU.
WORKER_REQUESTS = Counter(
    names.WORKER_REQUESTS,
    "Requests a server worker finished (every instrumented route), by the worker's pid.",
    ["pid"],
)
PROCESS_RSS = Gauge(
    names.PROCESS_RSS,
    "Resident memory of a server worker, its process pool included.",
    multiprocess_mode="liveall",
)


# This worker's requests, counted by the lab's middleware as a plain addition (a counter's inc() takes a
# lock: 0.5 to 2 us a call in-process, docs/bench.md) and published into WORKER_REQUESTS by the loop
# probe every 50 ms, and once more as the worker stops.
SERVED = [0]
_published: tuple[int, Counter, list[int]] | None = None


def publish_served() -> None:
    """Add the requests counted since the last call to this worker's child of WORKER_REQUESTS."""
    global _published
    pid = os.getpid()
    if _published is None or _published[0] != pid:  # the first call in this process
        _published = (pid, WORKER_REQUESTS.labels(pid=str(pid)), [0])
    _, child, done = _published
    count = SERVED[0]
    if count > done[0]:
        child.inc(count - done[0])
        done[0] = count


def _forked() -> None:
    SERVED[0] = 0  # a worker forked from a process that served counts its own requests only


os.register_at_fork(after_in_child=_forked)
