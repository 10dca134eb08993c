"""The analytic model: a ceiling per cell from Little's law and the configuration, and the likely bottleneck.

Little's law: throughput = requests in service / time each takes. What limits "requests in service" is
what differs between the ways of writing an endpoint:

- sync I/O (`def` + sleep): the thread-pool tokens of every worker, and the users;
- async I/O: only the users (the loop waits for all of them at once);
- a blocking call on the loop: one request per worker at a time;
- CPU work under the GIL (`def`, inline or to_thread): one request per process, and no more than the cores;
- a process pool: the pool's processes, and the cores;
- a database query (issue 16): also the connection pool, `db_pool` connections per worker, whatever the
  endpoint's kind; a `def` endpoint holds a thread token while it waits for one.

The CPU ceilings assume the server has the cores to itself; when the load generator shares them the
report says so (efficiency then falls below 1 for a reason the model names).
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.compare.results.summary import Cell
from lab.shared.configs import thread_tokens


@dataclass(frozen=True)
class Ceiling:
    rps: float
    formula: str  # how it was computed, in words a user can check
    limit: str  # the term that binds: what holds throughput at the ceiling


def _bound(slots: dict[str, float]) -> tuple[float, str]:
    """The smallest of the named concurrency limits, and its name (the first one on a tie)."""
    name = min(slots, key=lambda k: slots[k])
    return slots[name], name


def ceiling(
    kind: str,
    *,
    users: int,
    workers: int,
    threadpool: int,
    process_pool: int,
    cores: int,
    params: dict[str, int],
    db_pool: int = 10,
) -> Ceiling | None:
    """Requests per second the model allows for scenario `kind` (e.g. "io-sync"); None where it has none."""
    ms = params.get("ms", 0)
    if kind.startswith(("io-", "cpu-", "fanout-", "background", "db-")) and ms <= 0:
        return None
    if kind.startswith("db-"):
        return _db_ceiling(kind, users=users, workers=workers, threadpool=threadpool, db_pool=db_pool, ms=ms)
    if kind.startswith("cpu-"):
        return _cpu_ceiling(kind, users=users, workers=workers, process_pool=process_pool, cores=cores, ms=ms)
    return _wait_ceiling(kind, users=users, workers=workers, threadpool=threadpool, params=params)


def _wait_ceiling(
    kind: str, *, users: int, workers: int, threadpool: int, params: dict[str, int]
) -> Ceiling | None:
    """The scenarios that wait (io, fan-out, background): users, thread-pool tokens or blocked loops."""
    ms = params.get("ms", 0)
    s = ms / 1000
    tokens = thread_tokens(workers, threadpool)
    pool = f"the thread pool ({workers} x {threadpool} tokens)"
    if kind in ("io-sync", "io-sync-model"):
        slots, limit = _bound({"the users": users, pool: tokens})
        return Ceiling(
            slots / s, f"min(users {users}, workers {workers} x tokens {threadpool}) / {ms} ms", limit
        )
    if kind == "io-async":
        return Ceiling(
            users / s, f"users {users} / {ms} ms", "the users (each waits on the loop, none queue)"
        )
    if kind == "io-blocking":
        slots, limit = _bound({"the users": users, f"the event loop ({workers} blocked loop(s))": workers})
        return Ceiling(
            slots / s, f"min(users {users}, workers {workers}) / {ms} ms (one sleep per loop)", limit
        )
    if kind == "fanout-sync":
        n = params.get("n", 1)
        slots, limit = _bound({"the users": users, pool: tokens})
        return Ceiling(
            slots / (n * s),
            f"min(users {users}, workers {workers} x tokens {threadpool}) / ({n} x {ms} ms)",
            limit,
        )
    if kind == "fanout-async":
        return Ceiling(
            users / s,
            f"users {users} / {ms} ms (the {params.get('n', 1)} calls overlap)",
            "the users (calls overlap)",
        )
    if kind == "background":
        return Ceiling(
            tokens / s, f"workers {workers} x tokens {threadpool} / {ms} ms of work after each response", pool
        )
    return None


def _cpu_ceiling(
    kind: str, *, users: int, workers: int, process_pool: int, cores: int, ms: int
) -> Ceiling | None:
    """The CPU scenarios: users, one GIL per process (or the process pools), the cores."""
    s = ms / 1000
    if kind in ("cpu-sync", "cpu-async", "cpu-thread"):
        slots, limit = _bound(
            {
                "the users": users,
                f"the GIL (one core per process, {workers} process(es))": workers,
                "the cores": cores,
            }
        )
        return Ceiling(
            slots / s,
            f"min(users {users}, workers {workers}, cores {cores}) / {ms} ms CPU (one GIL per process)",
            limit,
        )
    if kind == "cpu-process":
        slots, limit = _bound(
            {
                "the users": users,
                f"the process pools ({workers} x {process_pool})": workers * process_pool,
                "the cores": cores,
            }
        )
        return Ceiling(
            slots / s,
            f"min(users {users}, workers {workers} x pool {process_pool}, cores {cores}) / {ms} ms CPU",
            limit,
        )
    return None


def _db_ceiling(
    kind: str, *, users: int, workers: int, threadpool: int, db_pool: int, ms: int
) -> Ceiling | None:
    """The database scenarios: Little's law with the connection pool as one more limit on concurrency."""
    s = ms / 1000
    connections = f"the connection pool ({workers} x {db_pool} connections)"
    if kind == "db-sync":
        # Each request holds a thread token while it waits for a connection, then for the query.
        per_worker = min(threadpool, db_pool)
        pool = connections if db_pool <= threadpool else f"the thread pool ({workers} x {threadpool} tokens)"
        slots, limit = _bound({"the users": users, pool: workers * per_worker})
        formula = (
            f"min(users {users}, workers {workers} x min(tokens {threadpool}, db_pool {db_pool})) / {ms} ms"
        )
        return Ceiling(slots / s, formula, limit)
    if kind == "db-async":
        slots, limit = _bound({"the users": users, connections: workers * db_pool})
        return Ceiling(
            slots / s, f"min(users {users}, workers {workers} x db_pool {db_pool}) / {ms} ms", limit
        )
    if kind == "db-blocking":
        slots, limit = _bound({"the users": users, f"the event loop ({workers} blocked loop(s))": workers})
        return Ceiling(
            slots / s, f"min(users {users}, workers {workers}) / {ms} ms (one query per loop)", limit
        )
    return None


def bottleneck(cell: Cell, cores: int) -> str:
    """What held the cell's throughput: the model's binding limit when reached, else the likely cause."""
    if cell.status != "ok":
        return "failed"
    if cell.generator_saturated:
        return "the load generator (Locust passed 90% of a core: its numbers describe Locust, not the server)"
    efficiency, kind = cell.efficiency, cell.scenario
    # Cores the server used while Locust's users were sending (server_cores); where the run was too short
    # for two reads inside that window, or in older result files, its CPU over the whole scrape span.
    span = cell.server_window_s or cell.duration_s or 1
    cpu_busy = cell.server_cores or (cell.server_cpu_s or 0) / max(span, 1e-9)
    if efficiency is None:
        return f"no model for this scenario (server used {cpu_busy:.2f} cores)"
    if efficiency >= 0.85:
        return f"{cell.limit or 'the model limit'}, as the model predicts"
    workers, busy = cell.workers, cell.workers_busy
    if workers > 1 and busy is not None and busy < 0.75 * workers:
        return (
            f"uneven load: the work was spread over {busy:.2f} of {workers} workers "
            "(each keep-alive connection stays with the worker that accepted it)"
        )
    if cpu_busy >= 0.8 * cores:
        return f"the cores (server used {cpu_busy:.2f} of {cores}, shared with the load generator)"
    waited = (cell.threadpool_waiting_max or 0) > 0
    if waited and kind in ("io-sync", "io-sync-model", "fanout-sync", "background"):
        return "the thread pool (requests waited for a token)"
    if kind in ("cpu-sync", "cpu-async", "cpu-thread"):
        return f"GIL contention and request handling (server used {cpu_busy:.2f} cores)"
    if (cell.loop_lag_p99_ms or 0) >= 20:
        return f"the event loop (lag p99 {cell.loop_lag_p99_ms:.0f} ms)"
    return f"per-request overhead (server used {cpu_busy:.2f} cores)"


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
