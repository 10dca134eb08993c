"""CPU-bound handlers sharing a worker's GIL: the evidence an unexplained cell's sentence names.

The model's bounds give a CPU-bound configuration min(processes, usable cores) cores. A worker whose
thread pool runs several CPU-bound handlers at once can fall short of its core on a machine whose cores
all hold a worker: the threads take turns at the worker's GIL (CPython asks the holder to let go every
5 ms, `sys.getswitchinterval()`), and a thread handed the GIL may wait for a core the other worker holds
while its own sits idle. No bound predicts that loss; the lab names it, with what it measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.model.inputs import Capacity, Demands


@dataclass(frozen=True)
class Contention:
    """A CPU-bound cell whose workers each ran several handlers' threads at once (one GIL each) while
    usable cores sat idle: CPython hands the GIL over every 5 ms and the waiting threads wake to ask for
    it, so on a machine whose cores all hold a worker the holder often waits for a core and the others
    for it. Measured on the catalogue's gunicorn-multi cpu-sync (2 workers, 100 users, 2 cores): 40
    tokens per worker, 1.57 cores used and 11 to 17% of the machine idle; 1 token, 1.67 cores and 1 to 4%
    idle. Where the cores go: two processes of 34 spinning threads got 0.86 to 0.95 of a core each, and
    0.996 to 1.0 with each process pinned to a core of its own (2026-12-04): the kernel wakes the thread
    handed the GIL on the core the other process holds while its own worker's core idles."""

    threads_per_worker: float  # threads busy at once in a worker (the thread pool's in-use maximum)
    idle_cores: float  # usable cores neither the server nor the machine's other processes used

    def clause(self) -> str:
        """What an unexplained cell's sentence adds."""
        return (
            f"up to {self.threads_per_worker:.0f} threads per worker ran the CPU-bound handler at once, "
            f"taking turns at its GIL, while {self.idle_cores:.2f} of the usable cores sat idle (fewer "
            "threads per worker, e.g. --set threadpool=1, or CPU work in a process pool, let the workers "
            "use them)"
        )


CONTENDED_THREADS = 2.0  # busy threads per worker from which they contend for its GIL
CPU_BOUND_SHARE = 0.5  # the CPU's share of R0 from which a handler is CPU-bound
IDLE_NOTABLE = 0.1  # idle usable cores an unexplained CPU-bound cell's sentence names


def contention(
    threads_in_use: float | None,
    server_cores: float | None,
    other_cores: float | None,
    one_user: Demands,
    capacity: Capacity,
) -> Contention | None:
    """The evidence (see Contention) in a cell whose thread pools had at most `threads_in_use` tokens in
    use (all workers) while the server used `server_cores` and the machine's other processes
    `other_cores`; None where it does not apply."""
    if server_cores is None or threads_in_use is None or one_user.held_ms <= 0:
        return None
    per_worker = threads_in_use / capacity.workers
    idle = capacity.usable_cores - server_cores - (other_cores or 0.0)
    cpu_bound = one_user.cpu_ms / one_user.held_ms >= CPU_BOUND_SHARE
    if not cpu_bound or capacity.parallel or per_worker < CONTENDED_THREADS or idle < IDLE_NOTABLE:
        return None
    return Contention(per_worker, idle)
