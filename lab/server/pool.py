"""The per-worker process pool for `/cpu/process`: created once per worker, shut down cleanly.

Children are started with `spawn` (forking a process that runs an event loop and threads is unsafe),
calibrate their CPU work once, and ask the kernel to end them if their worker dies (PR_SET_PDEATHSIG),
so a SIGKILLed worker leaves no orphan behind.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor

from lab.server import work
from lab.shared.lifetime import die_with_parent


def _init_child() -> None:
    die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the launcher's to handle
    work.calibrate()


def _noop() -> int:
    return 0


def create(size: int) -> ProcessPoolExecutor:
    """A started pool of `size` processes, each warmed up so the first request pays no start-up."""
    pool = ProcessPoolExecutor(
        max_workers=size, mp_context=multiprocessing.get_context("spawn"), initializer=_init_child
    )
    for future in [pool.submit(_noop) for _ in range(size * 2)]:
        future.result(timeout=60)
    return pool


def cpu_job(ms: float) -> float:
    """Run in a child: burn `ms` of CPU and return the CPU seconds spent."""
    return work.burn(ms)
