"""Each side of a duet on its own half of the cores, the halves swapped every few tenths of a second.

Why: a cloud VM's cores do not run at one speed, and not at the same speed as each other (measured on the
lab's 2-core VM: two identical copies of a CPU-bound app, each round's B/A of req/s 0.86 to 1.97 when
the two sides shared both cores as the scheduler pleased, so one side could sit on the faster core for
most of a 5 s round; 0.97 to 1.02 when each side had one core and the two swapped every 100 ms). Pinning
each side to one core for a whole round was worse still (half-widths of 13 to 27%): it keeps the
asymmetry for the round. Swapping many times a round gives each side the same time on every core.

The rule (`halves`): the usable cores in two halves of equal size, A starting on the first and B on the
second; with an odd count the last core is shared by both. Below 2 usable cores, or where the platform
cannot pin, nothing is split. A side's processes keep their own layout inside its half (a pinned
server and Locust on 8 cores stay apart): every swap maps each core of the other half onto its
counterpart (`placed`), thread by thread, over the side's whole process tree, read again at each swap
so that processes started since (a server, a Locust worker, a respawned gunicorn worker) follow. A swap
costs the parent about 2 ms of CPU per side on a machine of 60 processes (psutil's scan of /proc).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import psutil

from lab.compare.ab.result import Side
from lab.shared.cores import can_pin

SWAP_S = 0.1  # --swap-every's default


@dataclass(frozen=True)
class Halves:
    a: tuple[int, ...]  # A's cores in the even phases (B's in the odd ones)
    b: tuple[int, ...]
    shared: tuple[int, ...]  # with an odd count: the last core, both sides' at all times

    def of(self, side: str, phase: int) -> tuple[list[int], list[int]]:
        """(own, other) cores of `side` in `phase` (0, 1, 0, ...); own includes the shared core."""
        first = (side == "A") == (phase % 2 == 0)
        own, other = (self.a, self.b) if first else (self.b, self.a)
        return [*own, *self.shared], list(other)


def halves(usable: Sequence[int], pinnable: bool = True) -> Halves | None:
    """Two equal halves of `usable` (see the module); None below 2 cores or where nothing can be pinned."""
    cores = sorted(usable)
    if not pinnable or len(cores) < 2:
        return None
    half = len(cores) // 2
    return Halves(tuple(cores[:half]), tuple(cores[half : 2 * half]), tuple(cores[2 * half :]))


def placed(affinity: set[int], own: Sequence[int], other: Sequence[int]) -> set[int]:
    """A thread's affinity moved onto `own`: each core of `other` replaced by its counterpart."""
    counterpart = dict(zip(other, own, strict=False))
    return {counterpart.get(core, core) for core in affinity}


def _threads(pid: int) -> Iterator[int]:
    """Every thread of `pid` and of its descendants, as they are now."""
    try:
        tree = [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return
    for member in tree:
        with contextlib.suppress(OSError):
            yield from (int(tid) for tid in os.listdir(f"/proc/{member}/task"))


def place(threads: Sequence[int], own: Sequence[int], other: Sequence[int]) -> None:
    """Move every thread of `threads` onto `own` (threads that ended meanwhile are skipped)."""
    for tid in threads:
        with contextlib.suppress(OSError):
            current = os.sched_getaffinity(tid)
            wanted = placed(current, own, other)
            if wanted != current:
                os.sched_setaffinity(tid, wanted)


class Swapper:
    """A thread that keeps each side's process tree on its half, swapping the halves every `every_s`."""

    def __init__(self, split: Halves, sides: Mapping[Side, int], every_s: float = SWAP_S) -> None:
        self.split, self.sides, self.every_s = split, dict(sides), every_s
        self.swaps = 0  # the phase: 0, 1, 2, ...
        self.placements = 0  # how many times every tree was placed (the first, then one per swap)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lab ab core swap", daemon=True)

    def _place_all(self) -> None:
        """Both trees read first (the slow part: a scan of /proc), then both moved back to back, the side
        moved first alternating: for the moment between the two moves both sides share a half, and
        neither should always be the one that arrives second."""
        threads = {side: list(_threads(pid)) for side, pid in self.sides.items()}
        order = sorted(threads, reverse=self.swaps % 2 == 1)
        for side in order:
            place(threads[side], *self.split.of(side, self.swaps))
        self.placements += 1

    def _run(self) -> None:
        self._place_all()
        while not self._stop.wait(self.every_s):
            self.swaps += 1
            self._place_all()

    def __enter__(self) -> Swapper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def split_of(every_s: float, usable: Sequence[int]) -> Halves | None:
    """The halves a duet runs on: None when `every_s` is 0 (not split: both sides share every core)."""
    return halves(usable, can_pin()) if every_s > 0 else None
