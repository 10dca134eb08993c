"""Per-worker counters over a window: how the work was spread over the workers, and the busiest
worker's share of the server's CPU.

The server exports its CPU seconds per process (`lab_process_cpu_seconds_total{pid, kind}`: `worker` for a
worker's own threads, `pool` for its process pool's children) and, where the lab's middleware runs, the
requests each worker finished (`lab_worker_requests_total{pid}`).
"""

from __future__ import annotations

from collections.abc import Iterable

from lab.measure.samples import Snapshot
from lab.shared import metric_names as names

PROCESS_CPU = names.total(names.PROCESS_CPU)
WORKER_REQUESTS = names.total(names.WORKER_REQUESTS)


def by_pid(snapshot: Snapshot, name: str = PROCESS_CPU, kind: str | None = None) -> dict[str, float]:
    """A counter per worker, by the worker's pid: CPU seconds (its process pool's included, unless `kind`
    picks one), or requests."""
    found: dict[str, float] = {}
    for labels, value in snapshot.get(name, []):
        if kind is None or labels.get("kind") == kind:
            found[labels.get("pid", "")] = found.get(labels.get("pid", ""), 0.0) + value
    return found


def per_worker(
    first: Snapshot, last: Snapshot, name: str = PROCESS_CPU, kind: str | None = None
) -> dict[str, float]:
    """Each worker's increase of a counter (`by_pid`) over a window. The spread over workers is taken from
    the requests where the server counts them per worker: where a request costs little CPU (a blocked
    loop, a sleeping thread) the CPU's shares are the scrapes' as much as the requests'."""
    before = by_pid(first, name, kind)
    return {pid: value - before.get(pid, 0.0) for pid, value in by_pid(last, name, kind).items()}


def workers_busy(first: Snapshot, last: Snapshot) -> float | None:
    """How many workers the window's work was spread over: by requests, else by CPU (`spread`)."""
    served = per_worker(first, last, WORKER_REQUESTS)
    return spread(served.values()) if any(served.values()) else spread(per_worker(first, last).values())


def spread(shares: Iterable[float]) -> float | None:
    """How many workers the work was spread over: total / busiest (1 = one did it all, N = even)."""
    values = [v for v in shares if v > 0]
    return sum(values) / max(values) if values else None


def busiest_share(first: Snapshot, last: Snapshot) -> float | None:
    """The busiest worker's own CPU (its threads, not its process pool) over the server's, in a window;
    None without CPU. Times the server's cores, it is the cores that one process used: above one, its
    CPU ran outside the GIL (C code that releases it: hashing, compression, numpy)."""
    everyone = sum(per_worker(first, last).values())
    own = per_worker(first, last, kind="worker").values()
    return max(own) / everyone if everyone > 0 and own else None
