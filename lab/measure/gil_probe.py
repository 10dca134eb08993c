"""How much of their cores Python processes get when several threads of each want its GIL (issue 21 §2).

The CPU bound gives CPU-bound workers min(processes, usable cores) cores. A worker whose thread pool runs
several CPU-bound handlers at once gets less on a machine whose cores each hold a worker: CPython asks the
GIL's holder to let go every 5 ms (`sys.getswitchinterval()`), and the thread handed it is often woken on
a core the other worker holds while its own worker's core has nothing to run. How much less depends on
the machine (its scheduler, its cores, what else runs), so the lab measures it: `processes` processes of
`threads` threads that only run Python, side by side for `seconds`, pinned where the server is. Their
share of min(processes, cores), over the same with one thread each (the machine's other load, measured
alike), is the GIL share the CPU bound multiplies by (lab.model.inputs.Capacity.gil_share).

Measured 2026-12-04 on the 2-core VM, 2 processes: 0.99 with 2 threads each, 0.93 with 8, 0.87 with 16,
0.84 with 40; 1 process or 4 processes of 8 threads lose nothing (a core without a worker, or another
worker, takes up the slack).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

ShareOf = Callable[[int, int], float]  # (processes, threads per process) -> GIL share

PROBE_S = 0.6  # each side's run: over a hundred of the GIL's 5 ms turns

_SPIN = """
import sys, threading, time
threads, seconds = int(sys.argv[1]), float(sys.argv[2])
go, span = threading.Event(), {}
def spin():
    go.wait()
    x = 0
    while time.monotonic() < span["end"]:
        for i in range(1000):
            x += i
workers = [threading.Thread(target=spin) for _ in range(threads)]
for worker in workers:
    worker.start()
print("ready", flush=True)
sys.stdin.readline()
cpu, wall = time.process_time(), time.monotonic()
span["end"] = wall + seconds
go.set()
for worker in workers:  # each ends at its first look at the clock past the end
    worker.join()
print((time.process_time() - cpu) / (time.monotonic() - wall), flush=True)
"""


class ProbeError(RuntimeError):
    """A probe process did not report (killed, or no Python to run)."""


def _cores(cpus: Sequence[int] | None) -> int:
    return len(cpus) if cpus else len(os.sched_getaffinity(0))


def cpu_share(
    processes: int, threads: int, seconds: float = PROBE_S, cpus: Sequence[int] | None = None
) -> float:
    """The CPU `processes` processes of `threads` spinning threads each got, over min(processes, cores)."""
    if processes < 1 or threads < 1 or seconds <= 0:
        raise ValueError(f"processes and threads >= 1, seconds > 0; got {processes}, {threads}, {seconds}")

    def pin() -> None:
        if cpus:
            os.sched_setaffinity(0, set(cpus))

    argv = [sys.executable, "-I", "-c", _SPIN, str(threads), str(seconds)]
    started: list[subprocess.Popen[str]] = []
    try:
        for _ in range(processes):
            started.append(subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=pin,
            ))  # fmt: skip
        for process in started:  # every one started up before any spins
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise ProbeError("a GIL probe process did not start")
        for process in started:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        shares = []
        for process in started:
            out, _ = process.communicate(timeout=seconds + 30)
            try:
                shares.append(float(out.strip()))
            except ValueError:
                raise ProbeError(f"a GIL probe process exited with {process.returncode}") from None
    finally:
        for process in started:
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()
    return sum(shares) / min(processes, _cores(cpus))


def gil_share(
    processes: int, threads: int, seconds: float = PROBE_S, cpus: Sequence[int] | None = None
) -> float:
    """`threads` per process against one (see the module), at most 1."""
    alone = cpu_share(processes, 1, seconds, cpus)
    crowded = cpu_share(processes, threads, seconds, cpus)
    return min(1.0, crowded / alone) if alone > 0 else 1.0


class GilShares:
    """`gil_share` for a run's server (its cores, `cpus`), each shape measured once: (processes, threads)."""

    def __init__(self, cpus: Sequence[int] | None = None, seconds: float = PROBE_S) -> None:
        self.cpus, self.seconds = list(cpus) if cpus else None, seconds
        self.found: dict[tuple[int, int], float] = {}

    def __call__(self, processes: int, threads: int) -> float:
        shape = (processes, threads)
        if shape not in self.found:
            self.found[shape] = gil_share(processes, threads, self.seconds, self.cpus)
        return self.found[shape]
