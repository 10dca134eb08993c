"""The machine's CPU from outside: every process's busy time, sampled while a cell runs (issue 21 §2).

On a machine shared with other work (a CI runner, a laptop's browser, other benchmarks) the server can be
slowed by processes the lab did not start. `MachineCpu` samples the machine's busy cores (psutil.cpu_times:
user, system, interrupts, what a hypervisor stole) every `interval_s`; `busy_cores(window)` is their
average over a window, and `others = busy - server - generator` what the rest of the machine took (a cell
records it, and an unexplained cell's sentence names it).
"""

from __future__ import annotations

import threading
import time

import psutil

BUSY = ("user", "nice", "system", "irq", "softirq", "steal")  # guest time is inside user and nice


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(getattr(times, name, 0.0) for name in BUSY))


class MachineCpu(threading.Thread):
    """`with MachineCpu() as m: ...; m.busy_cores((t0, t1))`: the machine's busy cores over a window."""

    def __init__(self, interval_s: float = 0.5) -> None:
        super().__init__(name="lab-machine-cpu", daemon=True)
        self.interval_s = interval_s
        self.series: list[tuple[float, float]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.series.append((time.time(), _busy_seconds()))
            self._stop_event.wait(self.interval_s)

    def __enter__(self) -> MachineCpu:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def busy_cores(self, window: tuple[float, float]) -> float | None:
        """Average busy cores between the first and last samples inside `window` (None: fewer than two)."""
        inside = [(t, v) for t, v in self.series if window[0] <= t <= window[1]]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return None
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


def usable_cores(cores: float, generator: float) -> float:
    """What the server may use of `cores`: less Locust's share (never below 0.05 of a core: a server that
    served anything had at least that). The other processes are not taken off (lab.measure.cell says why)."""
    return max(cores - generator, 0.05)
