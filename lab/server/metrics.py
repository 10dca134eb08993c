"""Every metric the server exports, declared once, as module-level constants.

HTTP metrics come from prometheus-fastapi-instrumentator (`http_requests_total`,
`http_request_duration_seconds`, with the route template in `handler`); the rest are the lab's own and
explain the results: event-loop lag, thread-pool tokens, process-pool queue, CPU spent per request.

Multiprocess mode (PROMETHEUS_MULTIPROC_DIR set by the launcher): counters and histograms sum over
workers, including dead ones, so totals stay exact; gauges use `liveall` (one series per live worker,
labelled `pid`), so `sum()` aggregates them and a worker marked dead disappears.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from prometheus_fastapi_instrumentator import metrics as pfi

from lab.shared.buckets import LATENCY_BUCKETS

LAG_BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

# The instrumentator's metric functions register their collectors when called; calling them once here
# keeps one declaration per process however many apps are created (tests create several).
HTTP_REQUESTS = pfi.requests()  # http_requests_total{handler,method,status}
HTTP_LATENCY = pfi.latency(  # http_request_duration_seconds{handler,method}
    buckets=LATENCY_BUCKETS, should_include_status=False
)
HTTP_INPROGRESS = Gauge(
    "http_requests_inprogress",
    "HTTP requests being served now.",
    ["method", "handler"],
    multiprocess_mode="livesum",
)

SERVER_INFO = Gauge(
    "lab_server_info",
    "The server configuration this process belongs to (value 1; one series per live worker).",
    ["config", "server", "workers", "threadpool", "loop", "http", "process_pool", "app"],
    multiprocess_mode="liveall",
)
EVENT_LOOP_LAG = Histogram(
    "lab_event_loop_lag_seconds",
    "How late a periodic timer on the event loop fires.",
    buckets=LAG_BUCKETS,
)
THREADPOOL_TOKENS = Gauge(
    "lab_threadpool_tokens",
    "anyio default thread-limiter tokens (threads `def` endpoints may use at once).",
    multiprocess_mode="liveall",
)
THREADPOOL_IN_USE = Gauge(
    "lab_threadpool_tokens_in_use",
    "anyio default thread-limiter tokens borrowed now.",
    multiprocess_mode="liveall",
)
THREADPOOL_WAITING = Gauge(
    "lab_threadpool_waiting",
    "Tasks waiting for a thread-limiter token.",
    multiprocess_mode="liveall",
)
PROCESS_POOL_PENDING = Gauge(
    "lab_process_pool_pending",
    "CPU jobs submitted to this worker's process pool and not finished.",
    multiprocess_mode="liveall",
)
# The catalogue's database pools (issue 16), labelled pool="sync" (/db/sync, /db/blocking) or "async"
# (/db/async); set on every checkout and return, so a scrape sees the pool as it is.
DB_POOL_SIZE = Gauge(
    "lab_db_pool_size",
    "Connections in this worker's database pool (the configuration's db_pool).",
    ["pool"],
    multiprocess_mode="liveall",
)
DB_POOL_IN_USE = Gauge(
    "lab_db_pool_in_use",
    "Database connections checked out of this worker's pool now.",
    ["pool"],
    multiprocess_mode="liveall",
)
DB_POOL_WAITING = Gauge(
    "lab_db_pool_waiting",
    "Requests waiting for a database connection from this worker's pool.",
    ["pool"],
    multiprocess_mode="liveall",
)
CPU_WORK = Histogram(
    "lab_cpu_work_seconds",
    "CPU time actually spent by the work of one CPU request.",
    ["handler"],
    buckets=LATENCY_BUCKETS,
)
# A counter per (pid, kind) sums correctly across workers and survives a worker's death.
PROCESS_CPU = Counter(
    "lab_process_cpu_seconds",
    "CPU seconds (user+system) used by a server worker (kind=worker) or its process pool (kind=pool).",
    ["pid", "kind"],
)
PROCESS_RSS = Gauge(
    "lab_process_resident_memory_bytes",
    "Resident memory of a server worker, its process pool included.",
    multiprocess_mode="liveall",
)
