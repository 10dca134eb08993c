"""Duet rounds (Bulej et al., "Duet Benchmarking: Improving Measurement Accuracy in the Cloud", 2020): in
each round A and B run at the same time, each a whole one-configuration comparison with its own server
and its own Locust, so whatever slows the machine during the round slows both and cancels in its ratio.

A cloud VM's cores change speed with the host's other tenants from one second to the next (measured on
the lab's VM: the same code's CPU per request 1.58 to 2.65 ms between runs seconds apart); one side at a
time cannot tell a 20% slower handler from that, two sides at once can.

Each side runs in a child process forked from `lab ab` (a Comparison is written for one process: its
Ctrl-C is a KeyboardInterrupt in the main thread, its servers die with the thread that started them).
Both children wait for each other before each cell's warm-up and again before its measured run (a
barrier), so their measured windows coincide although their servers and Locusts start up at different
speeds. A child has its own process group: a Ctrl-C typed at the terminal reaches `lab ab` alone, which
passes it on once to each side; each then stops the way `lab compare` stops, keeping what it measured.
The side started first alternates between rounds. With 2 usable cores or more, each side runs on its
own half of them and the halves are swapped every `--swap-every` (lab.compare.ab.cores), so that neither
side gets the faster cores for a round.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from pathlib import Path

from lab.compare.ab.cores import Halves, Swapper
from lab.compare.ab.result import Side
from lab.compare.ab.rounds import Measured, order, record
from lab.compare.run.plan import Plan
from lab.compare.run.runner import Comparison
from lab.shared.lifetime import die_with_parent

INTERRUPTED = 130
# How long a side waits for the other at a cell's start: beyond both servers' start-up. A side whose
# server never came up breaks the barrier, and the other then measures alone rather than not at all.
SYNC_S = 120.0
_FORK = multiprocessing.get_context("fork")


def _side(plan: Plan, barrier: Barrier, log: Path, cores: list[int] | None) -> None:
    """A child's work: one side's comparison on `cores` (None: every core), its output to `log`; exit 0,
    or 130 when interrupted."""
    if cores is not None:  # before the plan reads its usable cores; the parent's swaps follow
        os.sched_setaffinity(0, cores)
    os.setpgid(0, 0)  # the terminal's Ctrl-C reaches the parent only; it passes it on once
    die_with_parent(signal.SIGINT)  # `lab ab` gone: stop the way Ctrl-C stops
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)

    def sync() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=SYNC_S)

    try:
        completed = Comparison(plan, sync=sync).run()
    except KeyboardInterrupt:
        completed = False
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(0 if completed else INTERRUPTED)


def _interrupt(children: dict[Side, BaseProcess]) -> None:
    for child in children.values():
        if child.pid is not None and child.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGINT)


def _join(children: dict[Side, BaseProcess], interrupted: bool) -> bool:
    """Wait for both sides; on Ctrl-C (or `interrupted` already) pass SIGINT on to each side still
    running, once, and keep waiting for them to stop. False when interrupted."""
    if interrupted:
        _interrupt(children)
    for child in children.values():
        while True:
            try:
                child.join()
                break
            except KeyboardInterrupt:
                if not interrupted:
                    interrupted = True
                    _interrupt(children)
    return not interrupted


@dataclass(frozen=True)
class Cores:
    """How the sides share the cores: `split` None, every core for both; else its halves, swapped every
    `every_s`."""

    split: Halves | None = None
    every_s: float = 0.0


def _round(
    plans: dict[Side, Plan], number: int, first: Side, out: Path, measured: Measured, cores: Cores
) -> bool:
    """One duet round; what each side measured appended to `measured`. False when interrupted."""
    sides: list[Side] = [first, "B" if first == "A" else "A"]
    barrier = _FORK.Barrier(len(sides))
    children: dict[Side, BaseProcess] = {}
    side_out = {side: out / "runs" / f"{side}{number}" for side in sides}
    interrupted = False
    try:
        for side in sides:
            side_out[side].mkdir(parents=True, exist_ok=True)
            plan = replace(plans[side], out=side_out[side])
            start = None if cores.split is None else cores.split.of(side, 0)[0]
            children[side] = _FORK.Process(
                target=_side, args=(plan, barrier, plan.out / "lab.log", start), name=f"lab ab {side}{number}"
            )
            children[side].start()
    except KeyboardInterrupt:
        interrupted = True
    with _swapping(cores, children):
        interrupted = not _join(children, interrupted)
    for side, child in children.items():
        if child.exitcode not in (0, INTERRUPTED):
            print(f"lab: {side}{number} ended with exit {child.exitcode}: see "
                  f"{side_out[side] / 'lab.log'}", file=sys.stderr)  # fmt: skip
        interrupted = interrupted or child.exitcode == INTERRUPTED
        record(measured, side, number, side_out[side], out)
    return not interrupted and len(children) == len(sides)


def _swapping(cores: Cores, children: dict[Side, BaseProcess]) -> contextlib.AbstractContextManager[object]:
    pids = {side: child.pid for side, child in children.items() if child.pid is not None}
    if cores.split is None or len(pids) < len(children) or not pids:
        return contextlib.nullcontext()
    return Swapper(cores.split, pids, cores.every_s)


def run(
    plans: dict[Side, Plan],
    rounds: int,
    out: Path,
    saved: Callable[[Measured], None] | None = None,
    cores: Cores | None = None,
) -> Measured:
    """Every duet round, each side written under out/runs/<side><round>; `saved` after each round."""
    measured = Measured()
    try:
        for number, first in order(rounds)[::2]:
            print(f"lab ab: round {number} of {rounds}, A and B at once", file=sys.stderr, flush=True)
            if not _round(plans, number, first, out, measured, cores or Cores()):
                measured.interrupted = True
                break
            if saved is not None:
                saved(measured)
    except KeyboardInterrupt:  # between rounds: no side is running
        measured.interrupted = True
    return measured
