"""The analytic model: a ceiling per cell from Little's law and the configuration, and the likely bottleneck.

Little's law: throughput = requests in service / time each takes. What limits "requests in service" is
what differs between the ways of writing an endpoint:

- sync I/O (`def` + sleep): the thread-pool tokens of every worker, and the users;
- async I/O: only the users (the loop waits for all of them at once);
- a blocking call on the loop: one request per worker at a time;
- CPU work under the GIL (`def`, inline or to_thread): one request per process, and no more than the cores;
- a process pool: the pool's processes, and the cores.

The CPU ceilings assume the server has the cores to itself; when the load generator shares them the
report says so (efficiency then falls below 1 for a reason the model names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ceiling:
    rps: float
    formula: str  # how it was computed, in words a user can check


def ceiling(
    kind: str,
    *,
    users: int,
    workers: int,
    threadpool: int,
    process_pool: int,
    cores: int,
    params: dict[str, int],
) -> Ceiling | None:
    """Requests per second the model allows for scenario `kind` (e.g. "io-sync"); None where it has none."""
    ms = params.get("ms", 0)
    if kind.startswith(("io-", "cpu-", "fanout-", "background")) and ms <= 0:
        return None
    s = ms / 1000
    tokens = workers * threadpool
    if kind == "io-sync":
        slots = min(users, tokens)
        return Ceiling(slots / s, f"min(users {users}, workers {workers} x tokens {threadpool}) / {ms} ms")
    if kind == "io-async":
        return Ceiling(users / s, f"users {users} / {ms} ms")
    if kind == "io-blocking":
        slots = min(users, workers)
        return Ceiling(slots / s, f"min(users {users}, workers {workers}) / {ms} ms (one sleep per loop)")
    if kind in ("cpu-sync", "cpu-async", "cpu-thread"):
        slots = min(users, workers, cores)
        return Ceiling(
            slots / s,
            f"min(users {users}, workers {workers}, cores {cores}) / {ms} ms CPU (one GIL per process)",
        )
    if kind == "cpu-process":
        slots = min(users, workers * process_pool, cores)
        return Ceiling(
            slots / s,
            f"min(users {users}, workers {workers} x pool {process_pool}, cores {cores}) / {ms} ms CPU",
        )
    if kind == "fanout-sync":
        n = params.get("n", 1)
        slots = min(users, tokens)
        return Ceiling(
            slots / (n * s), f"min(users {users}, workers {workers} x tokens {threadpool}) / ({n} x {ms} ms)"
        )
    if kind == "fanout-async":
        return Ceiling(users / s, f"users {users} / {ms} ms (the {params.get('n', 1)} calls overlap)")
    if kind == "background":
        return Ceiling(
            tokens / s, f"workers {workers} x tokens {threadpool} / {ms} ms of work after each response"
        )
    return None


def bottleneck(cell: dict[str, Any], cores: int) -> str:
    """A short phrase naming what most likely held the cell below its ceiling (or that nothing did)."""
    if cell.get("status") != "ok":
        return "failed"
    if cell.get("generator_saturated"):
        return "the load generator (Locust passed 90% of a core: its numbers describe Locust, not the server)"
    efficiency = cell.get("efficiency")
    kind = cell["scenario"]
    cpu_busy = (cell.get("server_cpu_s") or 0) / max(cell.get("duration_s") or 1, 1e-9)
    if efficiency is None:
        return f"no model for this scenario (server used {cpu_busy:.2f} cores)"
    if efficiency >= 0.85:
        return "none: as the model predicts"
    if cpu_busy >= 0.8 * cores:
        return f"the cores (server used {cpu_busy:.2f} of {cores}, shared with the load generator)"
    if kind.startswith("cpu-") and kind != "cpu-process":
        return "the GIL (one Python thread runs at a time per process)"
    if (cell.get("threadpool_waiting_max") or 0) > 0:
        return "the thread pool (requests waited for a token)"
    if (cell.get("loop_lag_p99_ms") or 0) >= 20:
        return f"the event loop (lag p99 {cell['loop_lag_p99_ms']:.0f} ms)"
    return f"per-request overhead (server used {cpu_busy:.2f} cores)"
