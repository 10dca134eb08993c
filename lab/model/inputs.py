"""The model's inputs: what one request costs each resource, what the configuration offers, the load.

Demands are service demands in the sense of operational analysis (Lazowska et al., "Quantitative System
Performance", ch. 3): the time one request holds a resource, measured at one user, where nothing queues.
A mix of request types is one request of the class: each handler's demands weighted by its share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

Resource = Literal["users", "cpu", "threadpool", "loop", "db_pool", "process_pool", "rate", "generator"]
Binding = Literal[
    "users", "cpu", "threadpool", "loop", "db_pool", "process_pool", "rate", "generator", "unexplained"
]
# On a tie the first named binds: the CPU before the loop (CPU inline in `async def` holds both for the
# same time, and the CPU is what more workers or cores would relieve).
RESOURCES: tuple[Resource, ...] = (
    "users", "rate", "cpu", "process_pool", "db_pool", "threadpool", "loop", "generator",
)  # fmt: skip


# Cores one worker process was measured using, from which its CPU runs outside its GIL: a process runs
# Python on one core at a time, so above it the handlers' CPU is C code that releases the GIL (hashing,
# compression, numpy, the kernel's work for blocking calls). Not 1.0: a worker's share is read from
# counters sampled every 0.25 s; pure-Python handlers' single workers measured 1.0 to 1.01 (2026-12-04).
PARALLEL_CORES = 1.1


class ModelInputError(ValueError):
    """A demand, a capacity or a load the model cannot use (negative, zero where it divides)."""


@dataclass(frozen=True)
class Demands:
    """Milliseconds one request holds each resource, at one user.

    wall_ms is R0, the response time at one user as the user sees it; the others are parts of it (a pool
    is held for part of the wall time, the CPU is used for part of it), 0 where the request never holds
    the resource."""

    wall_ms: float
    cpu_ms: float = 0.0  # the server's CPU (every process of it, pools included)
    threadpool_ms: float = 0.0  # a thread-pool token held (`def` handlers and dependencies)
    loop_ms: float = 0.0  # the worker's event loop busy (no other request progresses on it)
    process_pool_ms: float = 0.0  # a process of a worker's pool held
    db_pool_ms: float = 0.0  # a database connection held

    @property
    def held_ms(self) -> float:
        """The longest the server holds the request by any measure: R0, or longer where work outlives the
        response (a background task holds its token after the user has the answer)."""
        return max(self.wall_ms, self.threadpool_ms, self.db_pool_ms, self.process_pool_ms)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value >= 0:  # also refuses NaN
                raise ModelInputError(f"demand {f.name} must be >= 0 ms, got {value!r}")


def mix(parts: Sequence[tuple[float, Demands]]) -> Demands:
    """One request of a class: each request type's demands weighted by its share (shares normalised)."""
    total = sum(share for share, _ in parts)
    if not parts or total <= 0:
        raise ModelInputError("a mix needs at least one request type with a positive share")
    weighted = {
        f.name: sum(share * getattr(d, f.name) for share, d in parts) / total for f in fields(Demands)
    }
    return Demands(**weighted)


@dataclass(frozen=True)
class Capacity:
    """What a configuration offers: worker processes, the cores they may use, each worker's pools.

    usable_cores is what the load generator leaves to the server (lab.shared.cores): the server's cores
    when pinned, else the machine's less what Locust used. None for a pool: the app has none the lab
    knows of (its bound is then not computed)."""

    workers: int
    usable_cores: float
    threadpool: int  # tokens per worker
    db_pool: int | None = None  # connections per worker
    process_pool: int | None = None  # processes per worker
    # Workers the requests were spread over, as measured in the cell (total / the busiest worker's share,
    # lab.measure.scrape.spread): a closed loop's keep-alive users stay on the worker that accepted them,
    # and the busiest worker's pools fill first. None: spread evenly over every worker.
    spread: float | None = None
    # Cores the busiest worker process used in the cell with its own threads (lab.measure.workers), where
    # measured: from PARALLEL_CORES on, a worker is not held to one core (see `parallel`).
    worker_cores: float | None = None

    def __post_init__(self) -> None:
        if self.workers < 1 or self.threadpool < 1:
            raise ModelInputError(
                f"workers and threadpool must be >= 1, got {self.workers}, {self.threadpool}"
            )
        if not self.usable_cores > 0:
            raise ModelInputError(f"usable_cores must be > 0, got {self.usable_cores!r}")
        if self.worker_cores is not None and not self.worker_cores >= 0:
            raise ModelInputError(f"worker_cores must be >= 0 (or None), got {self.worker_cores!r}")
        if self.spread is not None and not self.spread >= 1:
            raise ModelInputError(f"spread must be >= 1 (or None: even), got {self.spread!r}")
        for name in ("db_pool", "process_pool"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ModelInputError(f"{name} must be >= 1 (or None: no pool), got {value}")

    @property
    def processes(self) -> int:
        """Processes that run the app's Python: the workers, and each worker's process pool."""
        return self.workers * (1 + (self.process_pool or 0))

    @property
    def balanced(self) -> float:
        """The workers' per-worker resources count as this many: the utilization law on the busiest
        worker, which serves 1 / spread of the requests (the workers when they share them evenly)."""
        return self.workers if self.spread is None else min(self.spread, float(self.workers))

    @property
    def parallel(self) -> bool:
        """A worker was measured using more than one core at once: its handlers' CPU runs outside the GIL,
        on as many cores as it has threads to run it (its tokens and its loop)."""
        return self.worker_cores is not None and self.worker_cores >= PARALLEL_CORES

    @property
    def threads(self) -> int:
        """The threads a worker runs requests on: one per token, and its event loop's."""
        return self.threadpool + 1

    @property
    def cpu_servers(self) -> float:
        """A Python process runs Python on one core at a time: min(processes, usable cores) (the processes
        as the requests were spread over them); a worker whose CPU ran outside the GIL (`parallel`) counts
        as its threads."""
        per_worker = self.threads if self.parallel else 1
        processes = self.balanced * (per_worker + (self.process_pool or 0))
        return min(processes, self.usable_cores)


@dataclass(frozen=True)
class Load:
    """A closed loop of `users` who think `think_ms` between a response and their next request, or an
    open model sending `rate` requests per second (then users is what Locust ran to send it, if any)."""

    users: int | None = None
    think_ms: float = 0.0
    rate: float | None = None
    # A closed loop counted over a finite window (a cell): users start spawn_s apart at most, and each
    # sends its first request without thinking. None: the steady state.
    window_s: float | None = None
    spawn_s: float = 0.0

    def __post_init__(self) -> None:
        if self.users is None and self.rate is None:
            raise ModelInputError("a load needs users (closed loop) or a rate (open model)")
        if self.users is not None and self.users < 1:
            raise ModelInputError(f"users must be >= 1, got {self.users}")
        if self.rate is not None and not self.rate > 0:
            raise ModelInputError(f"rate must be > 0 req/s, got {self.rate!r}")
        if not self.think_ms >= 0:
            raise ModelInputError(f"think_ms must be >= 0, got {self.think_ms!r}")
        if self.window_s is not None and not self.window_s > self.spawn_s >= 0:
            raise ModelInputError(
                f"window_s must exceed spawn_s >= 0, got {self.window_s!r}, {self.spawn_s!r}"
            )

    def started(self, wall_ms: float) -> float:
        """The closed loop's bound over its window, relative to the steady state's N / (R0 + Z).

        A user spawned at s sends its first request at once, then one per cycle R0 + Z; by the window's end
        T it has completed floor((T - s - R0) / (R0 + Z)) + 1, on average (T - s - R0) / (R0 + Z) + 1/2
        over where T cuts its cycle. Spawned evenly over spawn_s: (T - spawn_s / 2 + (Z - R0) / 2) / T
        times the steady state. With a second of think time in a five-second cell, a tenth more."""
        if self.window_s is None:
            return 1.0
        cycle_s = (self.think_ms - wall_ms) / 1000
        return (self.window_s - self.spawn_s / 2 + cycle_s / 2) / self.window_s


PACED = ("constant_pacing", "constant_throughput")  # Locust's wait times that keep a user's cycle


def paced_think_ms(
    wait_time: str, think_ms: float | None, mean_ms: float | None, wall_ms: float
) -> float | None:
    """The think time of the users' bound: for a paced user, its cycle less R0 (the cell's think time plus
    its response time, less R0); None for the others (the cell's think time)."""
    if not wait_time.startswith(PACED) or think_ms is None or mean_ms is None:
        return None
    return max(think_ms + mean_ms - wall_ms, 0.0)
