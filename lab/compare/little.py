"""Counting a cell: the client's requests against the server's, and Little's law's wait (issue 9, issue 21).

Pure functions over a cell's counts, used when a run is recorded and when its report is read.
"""

from __future__ import annotations


def reconcile(requests: int, server_requests: int, abandoned: int) -> tuple[int, bool]:
    """(unaccounted, reconciled): the server's count against the client's and what Locust abandoned.

    Every request the server finished in the window was either reported by Locust or abandoned by it at
    the stop (`--stop-timeout 0`). An abandoned request may have died before it reached the server (a user
    stopped while its client was still connecting or sending), so the server's count lies between Locust's
    requests and requests + abandoned; what falls outside is unaccounted. Within 1% (at least one request)
    the two sides agree."""
    if server_requests > requests + abandoned:
        unaccounted = server_requests - requests - abandoned
    elif server_requests < requests:
        unaccounted = server_requests - requests
    else:
        unaccounted = 0
    return unaccounted, abs(unaccounted) <= max(0.01 * requests, 1)


def expected_wait_s(users: int, ceiling_rps: float | None, rps: float | None) -> float | None:
    """Little's law: how long a request spends in the server at steady state (users / throughput).

    From the model's ceiling where there is one (the steady state the cell tends to), else from the
    measured throughput."""
    throughput = ceiling_rps or rps
    return users / throughput if throughput else None


def at_steady_state(wait_s: float | None, duration_s: float) -> bool:
    """A cell shorter than one request's expected wait never reaches steady state: its latencies
    track the cell's length, not the server (p99 grows with the duration)."""
    return wait_s is None or wait_s <= duration_s


def concurrency(rps: float | None, mean_ms: float | None) -> float | None:
    """Little's law: the requests in flight on average."""
    return None if rps is None or mean_ms is None else rps * mean_ms / 1000
