"""Where a multi-worker server's CPU-bound threads lose their cores: one process per core, each running N
threads of pure-Python work, free to run anywhere or each pinned to a core of its own.

The catalogue's `gunicorn-multi · cpu-sync` leaves a sixth of its cores idle while 30 to 40 threads per
worker take turns at each worker's GIL (docs/model.md). This bench separates the GIL's own cost from the
kernel's placement of the thread handed it: pinned, a process's threads can only wait for their own core;
free, the kernel may wake the next holder on a core another process holds while this one's core idles.
Rounds alternate free and pinned at every thread count, so a neighbour's burst hits both alike; reported:
each mode's share of a core per process (median over processes and rounds) and free / pinned.

    python -m bench.gil_placement                      # 2, 8, 16, 34 threads, 3 s, 2 rounds
    python -m bench.gil_placement --threads 34 --seconds 4 --rounds 3
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

SETTLE_S = 0.3  # the threads started and contending before the clock starts


def _spin(stop: threading.Event) -> None:
    x = 0
    while not stop.is_set():
        for i in range(1000):
            x += i * i


def _process(core: int | None, threads: int, seconds: float, out: mp.Queue[float]) -> None:
    """Runs `threads` spinning threads for `seconds`; puts the CPU it got per second (1 = one core)."""
    if core is not None:
        os.sched_setaffinity(0, {core})
    stop = threading.Event()
    spinners = [threading.Thread(target=_spin, args=(stop,), daemon=True) for _ in range(threads)]
    for spinner in spinners:
        spinner.start()
    time.sleep(SETTLE_S)
    wall, cpu = time.monotonic(), time.process_time()
    time.sleep(seconds)
    out.put((time.process_time() - cpu) / (time.monotonic() - wall))
    stop.set()


def cores_of_this_process() -> list[int]:
    """The cores this process may run on: one worker per core, as gunicorn-multi's `auto` workers."""
    return sorted(os.sched_getaffinity(0))


def run_once(threads: int, seconds: float, pinned: bool, cores: Sequence[int]) -> list[float]:
    """One process per core in `cores`, each of `threads` threads; each process's share of a core."""
    out: mp.Queue[float] = mp.Queue()
    procs = [
        mp.Process(target=_process, args=(core if pinned else None, threads, seconds, out)) for core in cores
    ]
    for proc in procs:
        proc.start()
    shares = [out.get(timeout=seconds + 30) for _ in procs]
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    return shares


@dataclass(frozen=True)
class Row:
    threads: int
    free: float  # median share of a core per process
    pinned: float

    @property
    def ratio(self) -> float:
        return self.free / self.pinned if self.pinned else float("nan")


def measure(threads: Sequence[int], seconds: float, rounds: int, cores: Sequence[int]) -> list[Row]:
    found: dict[tuple[int, bool], list[float]] = {}
    for round_ in range(rounds):
        for n in threads:
            for pinned in (round_ % 2 == 1, round_ % 2 == 0):  # the order alternates from round to round
                found.setdefault((n, pinned), []).extend(run_once(n, seconds, pinned, cores))
    return [Row(n, statistics.median(found[n, False]), statistics.median(found[n, True])) for n in threads]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", default="2,8,16,34", help="threads per process, comma-separated")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one run")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, free and pinned alternating")
    args = parser.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    if not threads or min(threads) < 1 or args.seconds <= 0 or args.rounds < 1:
        parser.error("--threads must be positive integers, --seconds > 0, --rounds >= 1")
    cores = cores_of_this_process()
    print(f"{len(cores)} processes (one per core: {cores}), {args.rounds} rounds of {args.seconds:g} s")
    print("threads  free (core/process)  pinned  free / pinned")
    for row in measure(threads, args.seconds, args.rounds, cores):
        print(f"{row.threads:7d}  {row.free:19.3f}  {row.pinned:6.3f}  {row.ratio:13.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
