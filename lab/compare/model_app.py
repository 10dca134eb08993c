"""The model for an app the lab has never seen (issue 11 §4): the catalogue's closed-form ceilings do not
apply, but every cell can still be explained from what was measured and what the lab learnt of the app.

- Little's law: requests in flight = req/s x mean latency (`concurrency`); the service time of each handler
  is its server-side mean latency in a short calibration run at one user (nothing queues there).
- A ceiling where the handlers' kinds say what caps them: a `def` endpoint (or an async one with `def`
  dependencies) holds a thread-pool token for its service time, so the class is capped at
  workers x tokens / (the token-seconds one of its requests needs, weighted by the class's mix); a closed
  loop is also capped at users / its mean service time.
- The binding resource, named from the server's internals: the thread pool (a worker's tokens all in use
  and requests waiting), the CPU, the event loop (lag near the service time), the load generator, else the
  users (a closed loop: more users would go faster).
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.compare.model import Ceiling
from lab.compare.results.summary import Cell, HandlerRow
from lab.shared.configs import thread_tokens

LOOP_LAG_FLOOR_MS = 5.0  # below this, loop lag is noise whatever the service time
CPU_NEAR = 0.9  # server cores at this share of the usable cores: the CPU binds


def _ms(value: float) -> str:
    return f"{value:.3g} ms"


def with_service(rows: Sequence[HandlerRow], service: dict[str, float]) -> list[HandlerRow]:
    """The rows with each handler's service time (from the calibration run) filled in."""
    return [r.model_copy(update={"service_ms": service.get(r.handler)}) for r in rows]


def _mix(rows: Sequence[HandlerRow]) -> list[HandlerRow]:
    """The requested handlers with a share and a service time: what one request of the class costs."""
    return [r for r in rows if r.requested and r.share and r.service_ms is not None]


def service_ms(rows: Sequence[HandlerRow]) -> float | None:
    """The class's mean service time: each requested handler's, weighted by its share of the requests."""
    mix = _mix(rows)
    covered = sum(r.share or 0 for r in mix)
    if not mix or covered < 0.5:  # most of the class's requests have no service time: none
        return None
    return sum((r.share or 0) * (r.service_ms or 0) for r in mix) / covered


def concurrency(rps: float | None, mean_ms: float | None) -> float | None:
    """Little's law: the requests in flight on average."""
    return None if rps is None or mean_ms is None else rps * mean_ms / 1000


def _terms(rows: Sequence[HandlerRow]) -> str:
    return " + ".join(f"{r.share or 0:.2f} x {_ms(r.service_ms or 0)} {r.handler}" for r in rows)


def ceiling(rows: Sequence[HandlerRow], *, users: int, workers: int, threadpool: int) -> Ceiling | None:
    """min(the users over the class's service time, the thread pool over its token-seconds per request)."""
    mix, mean = _mix(rows), service_ms(rows)
    if mean is None or mean <= 0:
        return None
    found = [
        Ceiling(
            users / (mean / 1000),
            f"users {users} / {_ms(mean)} mean service time (closed loop)",
            "the users (closed loop: more users would go faster)",
        )
    ]
    pooled = [r for r in mix if r.threadpool]
    token_ms = sum((r.share or 0) * (r.service_ms or 0) for r in pooled)
    if token_ms > 0:
        tokens = thread_tokens(workers, threadpool)
        one = len(mix) == 1
        per = _ms(token_ms) if one else f"({_terms(pooled)})"
        where = f" ({pooled[0].handler}, {pooled[0].kind})" if one else " of thread-pool time per request"
        found.append(
            Ceiling(
                tokens / (token_ms / 1000),
                f"workers {workers} x tokens {threadpool} / {per}{where}",
                f"the thread pool ({workers} x {threadpool} tokens)",
            )
        )
    return min(found, key=lambda c: c.rps)


def bottleneck(cell: Cell, cores: int) -> str:
    """The resource that held the cell's throughput, named from the server's internals."""
    if cell.status != "ok":
        return "failed"
    if cell.generator_saturated:
        return "the load generator (Locust passed 90% of a core: its numbers describe Locust, not the server)"
    waiting, in_use = cell.threadpool_waiting_max or 0, cell.threadpool_in_use_max or 0
    if waiting > 0 and in_use >= cell.threadpool:
        return (
            f"the thread pool (all {cell.threadpool} tokens of a worker in use, up to {waiting:.0f} "
            f"requests waiting for one)"
        )
    usable = min(cores, cell.workers)  # one GIL per worker process: a worker uses about one core
    used = cell.server_cores
    if used is not None and used >= CPU_NEAR * usable:
        return (
            f"CPU (the server used {used:.2f} cores of {usable} usable: {cell.workers} worker(s), "
            f"{cores} cores)"
        )
    lag, service = cell.loop_lag_p99_ms, cell.service_ms
    if lag is not None and lag >= max(service or 20.0, LOOP_LAG_FLOOR_MS):
        against = f"the {_ms(service)} service time" if service else "20 ms"
        return f"the event loop (blocked: lag p99 {_ms(lag)}, at or above {against})"
    inflight = f"{cell.concurrency:.1f} requests in flight on average, " if cell.concurrency else ""
    return f"the users (closed loop: {inflight}{cell.users} users; more users would go faster)"
