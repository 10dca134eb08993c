"""Every metric name the lab exports or reads, written once (issue 27).

The server declares its collectors with these names (`lab.server.metrics`), the Locust exporter its
families (`lab.loadgen`), and every reader imports them: the measurement (`lab.measure`), the launcher,
the claims. A module of plain strings, so that importing it registers nothing in any process.

A counter is declared by its base name; Prometheus' text format (and prometheus_client) adds `_total`
to its samples, and a histogram's samples are `_bucket`, `_sum` and `_count`: readers use `total(...)`
and `sample(...)` rather than spelling the suffixes.
"""

from __future__ import annotations

# The server (lab.server.metrics). The HTTP pair is prometheus-fastapi-instrumentator's, named here.
HTTP_REQUESTS = "http_requests"  # counter {handler,method,status}
HTTP_LATENCY = "http_request_duration_seconds"  # histogram {handler,method}
HTTP_INPROGRESS = "http_requests_inprogress"  # gauge {method,handler}
SERVER_INFO = "lab_server_info"  # gauge = 1, one series per live worker
EVENT_LOOP_LAG = "lab_event_loop_lag_seconds"  # histogram
THREADPOOL_TOKENS = "lab_threadpool_tokens"  # gauge
THREADPOOL_IN_USE = "lab_threadpool_tokens_in_use"  # gauge
THREADPOOL_WAITING = "lab_threadpool_waiting"  # gauge
PROCESS_POOL_PENDING = "lab_process_pool_pending"  # gauge
DB_POOL_SIZE = "lab_db_pool_size"  # gauge {pool}
DB_POOL_IN_USE = "lab_db_pool_in_use"  # gauge {pool}
DB_POOL_WAITING = "lab_db_pool_waiting"  # gauge {pool}
CPU_WORK = "lab_cpu_work_seconds"  # histogram {handler}
PROCESS_CPU = "lab_process_cpu_seconds"  # counter {pid,kind}
WORKER_REQUESTS = "lab_worker_requests"  # counter {pid}
PROCESS_RSS = "lab_process_resident_memory_bytes"  # gauge
REQUEST_CPU = "lab_request_cpu_seconds"  # histogram {handler} (lab.server.demand)
REQUEST_LOOP = "lab_request_loop_seconds"  # summary {handler} (lab.server.loop_time)

# The load generator (lab.loadgen.metrics, lab.loadgen.series).
LOCUST_LATENCY = "locust_request_duration_seconds"  # histogram {name,method}
LOCUST_REQUESTS = "locust_requests"  # counter {name,method}
LOCUST_FAILURES = "locust_request_failures"  # counter {name,method}
LOCUST_ABANDONED = "locust_requests_abandoned"  # counter {name,method}
LOCUST_USERS = "locust_users"  # gauge
LOCUST_RUN_INFO = "locust_run_info"  # gauge = 1 {run_id,scenario,config}
LOCUST_TEST_START = "locust_test_start_time_seconds"  # gauge
LOCUST_TEST_STOP = "locust_test_stop_time_seconds"  # gauge
LOCUST_PROCESS_CPU = "locust_process_cpu_seconds"  # counter {process,role}
LOCUST_THINK = "locust_think_seconds"  # summary (lab.loadgen.think)
LOCUST_CPU_SATURATED = "locust_cpu_saturated"  # gauge
LOCUST_WORKER_LOST = "locust_worker_lost"  # gauge {worker}

COUNTERS = frozenset(
    {
        HTTP_REQUESTS,
        PROCESS_CPU,
        WORKER_REQUESTS,
        LOCUST_REQUESTS,
        LOCUST_FAILURES,
        LOCUST_ABANDONED,
        LOCUST_PROCESS_CPU,
    }
)
HISTOGRAMS = frozenset({HTTP_LATENCY, EVENT_LOOP_LAG, CPU_WORK, REQUEST_CPU, LOCUST_LATENCY})
SUMMARIES = frozenset({REQUEST_LOOP})  # _sum and _count, no quantiles
GAUGES = frozenset(
    {
        HTTP_INPROGRESS, SERVER_INFO, THREADPOOL_TOKENS, THREADPOOL_IN_USE, THREADPOOL_WAITING,
        PROCESS_POOL_PENDING, DB_POOL_SIZE, DB_POOL_IN_USE, DB_POOL_WAITING, PROCESS_RSS,
        LOCUST_USERS, LOCUST_RUN_INFO, LOCUST_TEST_START, LOCUST_TEST_STOP, LOCUST_CPU_SATURATED,
        LOCUST_WORKER_LOST,
    }
)  # fmt: skip
DECLARED = COUNTERS | HISTOGRAMS | SUMMARIES | GAUGES


def total(counter: str) -> str:
    """The sample name of a counter: `http_requests` -> `http_requests_total`."""
    assert counter in COUNTERS, counter
    return f"{counter}_total"


def sample(histogram: str, part: str) -> str:
    """A histogram's `bucket`, `sum` or `count` sample name (a summary's `sum` or `count`)."""
    parts = ("bucket", "sum", "count") if histogram in HISTOGRAMS else ("sum", "count")
    assert histogram in HISTOGRAMS | SUMMARIES and part in parts, (histogram, part)
    return f"{histogram}_{part}"


def exported() -> frozenset[str]:
    """Every sample name the lab's processes expose (what a dashboard or a rule may query)."""
    names = set(GAUGES) | {total(c) for c in COUNTERS}
    names |= {sample(h, part) for h in HISTOGRAMS for part in ("bucket", "sum", "count")}
    names |= {sample(s, part) for s in SUMMARIES for part in ("sum", "count")}
    return frozenset(names)
