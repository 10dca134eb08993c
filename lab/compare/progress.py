"""Progress of a comparison on stderr, with an ETA that learns from the cells done."""

from __future__ import annotations

import sys
import time


class Progress:
    """One line per step on stderr: the current cell, how far, and an ETA.

    Each cell starts with an estimate from the plan (warm-up, duration, the drain of what Locust
    abandons, a server launch per configuration); once cells have finished, the remaining estimates are
    scaled by how long the finished ones really took against theirs: the ETA learns the machine."""

    def __init__(self, estimates: list[float]) -> None:
        self.estimates = estimates
        self.total = len(estimates)
        self.done = 0
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()

    def eta_s(self) -> float:
        remaining = sum(self.estimates[self.done :])
        if not self.done:
            return remaining
        elapsed = time.monotonic() - self.started
        return remaining * elapsed / max(sum(self.estimates[: self.done]), 1e-9)

    def show(self, label: str) -> None:
        eta = self.eta_s()
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        line = f"[{bar}] {self.done}/{self.total}  {label}  ETA {int(eta) // 60}m{int(eta) % 60:02d}s"
        if self.tty:
            print("\r\033[K" + line, end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def step(self) -> None:
        self.done += 1

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)
