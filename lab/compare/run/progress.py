"""Progress of a comparison on stderr, with an ETA that learns from the cells done."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.progress import Progress as Bar


class Progress:
    """The current cell, how far, and an ETA, on stderr: a live bar (rich) on a terminal, one plain line
    per step otherwise (CI logs, a file).

    Each cell starts with an estimate from the plan (warm-up, duration, the drain of what Locust
    abandons, a server launch per configuration); once cells have finished, the remaining estimates are
    scaled by how long the finished ones really took against theirs: the ETA learns the machine."""

    def __init__(self, estimates: list[float], console: Console | None = None) -> None:
        self.estimates = estimates
        self.total = len(estimates)
        self.done = 0
        self.started = time.monotonic()
        self.console = console or Console(stderr=True, highlight=False)
        self._bar: Bar | None = None
        if self.console.is_terminal:
            # Refreshed on each step, not by a thread, and stdout/stderr left alone: the orchestrator's
            # own streams and its Ctrl-C handling stay as they are.
            self._bar = Bar(
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                TextColumn("ETA {task.fields[eta]}"),
                console=self.console,
                auto_refresh=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._task = self._bar.add_task("", total=self.total, eta="")

    def eta_s(self) -> float:
        remaining = sum(self.estimates[self.done :])
        if not self.done:
            return remaining
        elapsed = time.monotonic() - self.started
        return remaining * elapsed / max(sum(self.estimates[: self.done]), 1e-9)

    def show(self, label: str) -> None:
        eta = int(self.eta_s())
        text = f"{eta // 60}m{eta % 60:02d}s"
        if self._bar is None:
            self.console.print(f"{self.done}/{self.total}  {label}  ETA {text}", markup=False, soft_wrap=True)
            return
        self._bar.update(self._task, completed=self.done, description=label, eta=text)
        self._bar.start()  # draws it the first time; later calls do nothing
        self._bar.refresh()

    def step(self) -> None:
        self.done += 1

    def close(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
            self._bar.stop()
