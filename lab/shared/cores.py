"""The cores this machine lets the lab use, and how they are split between the server and Locust.

Pure rules over a list of CPU numbers, so they can be checked for any machine size (a test feeds them 2
to 64 cores). Where the platform cannot tell or set affinity (macOS has no `os.sched_getaffinity` nor
`os.sched_setaffinity`), every core counts as usable and nothing is pinned; the note says so.

The split (`--pin auto`): with fewer than 3 usable cores pinning would halve the server, so the two
share them. From 3 cores on, Locust gets a quarter of them, rounded up (1 of 3 or 4, 2 of 8, 4 of 16,
16 of 64) and the server the rest, the lower-numbered cores. Why a quarter: on the lab's endpoints a
request costs the server more CPU than it costs Locust's FastHttpUser (one Locust process reached 0.92 of
wrk's req/s against a one-core server on a zero-work endpoint), so a server with three times the cores is
the one that saturates first; a cell that still saturates the generator is flagged, and `--pin off`
or `--pin on` override the rule.

Locust's processes (`--generator-processes auto`, issue 13): one per core the rule leaves to Locust (1 of
2 to 4 cores, 2 of 8, 4 of 16, 16 of 64). One Locust process drives at most about one core, so a
quarter of 16 cores is only the generator's when four processes use it. Unpinned (`--pin off`, or a
platform that cannot pin), the same count from the same rule; below MIN_PINNED cores, one process.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Pin = Literal["auto", "on", "off"]
GENERATOR_SHARE = 0.25  # of the usable cores, rounded up, from MIN_PINNED cores on
MIN_PINNED = 3


def usable_cpus() -> list[int]:
    """CPU numbers this process may run on (all of them where the platform cannot say)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is None:
        return list(range(os.cpu_count() or 1))
    return sorted(affinity(0))


def can_pin() -> bool:
    """Whether processes can be pinned to cores here (Linux: yes; macOS: no)."""
    return hasattr(os, "sched_setaffinity")


@dataclass(frozen=True)
class Pinning:
    server: list[int] | None  # None: not pinned
    generator: list[int] | None
    note: str  # what was chosen and why, printed at the start and stored in the run metadata


def generator_cores(count: int) -> int:
    """How many of `count` usable cores Locust gets when pinned: a quarter, rounded up, at least one."""
    return max(1, math.ceil(count * GENERATOR_SHARE))


def generator_processes(pinning: Pinning, count: int) -> int:
    """`--generator-processes auto`: a Locust process per core the pinning leaves to Locust (see above)."""
    if pinning.generator:
        return len(pinning.generator)
    return generator_cores(count) if count >= MIN_PINNED else 1


def choose_pinning(pin: Pin, usable: Sequence[int], pinnable: bool = True) -> Pinning:
    """Server and Locust on different cores where that leaves the server at least two (see the module)."""
    usable = sorted(usable)
    if not pinnable:
        return Pinning(None, None, f"not pinned (this platform cannot pin); server and Locust share {usable}")
    if pin == "off" or (pin == "auto" and len(usable) < MIN_PINNED):
        reason = "asked" if pin == "off" else f"only {len(usable)} cores: pinning would halve the server"
        return Pinning(None, None, f"not pinned ({reason}); server and Locust share cores {usable}")
    if len(usable) < 2:
        return Pinning(None, None, "not pinned: one core only; server and Locust share it")
    split = len(usable) - generator_cores(len(usable))
    server, generator = list(usable[:split]), list(usable[split:])
    return Pinning(
        server,
        generator,
        f"server pinned to CPUs {_ranges(server)}, Locust to CPUs {_ranges(generator)} "
        f"(a quarter of {len(usable)} cores, rounded up, for Locust)",
    )


def _ranges(cpus: Sequence[int]) -> str:
    """[0, 1, 2, 5] -> "0-2,5"."""
    parts: list[str] = []
    start = prev = None
    for cpu in cpus:
        if prev is not None and cpu == prev + 1:
            prev = cpu
            continue
        if start is not None:
            parts.append(f"{start}-{prev}" if prev != start else f"{start}")
        start = prev = cpu
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else f"{start}")
    return ",".join(parts)
