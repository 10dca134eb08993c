"""The next run's Locust processes, started during this run's warm-up, or once its users have stopped.

A Locust process spends about a second starting (imports). lab.measure.cell starts a run's Locusts ahead,
held at their gates, so that their start-up overlaps what comes before the measured run. The runner starts
the next run's as this run's warm-up starts (their start-up must be over before this run's measured run
starts, as for any Locust started ahead) or, without a warm-up, once this run's users have stopped, while
its server drains and its cell is written (lab.measure.cell.measure's `then`): never during a measured run.

The next run takes them only if it is the run they were started for (same server, same load, same files);
otherwise, or at the configuration's end, they are stopped unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lab.compare.run.plan import Plan
from lab.compare.run.points import LoadPoint
from lab.measure import cell as measurement
from lab.runtime.generator import Generator
from lab.runtime.launcher import Server
from lab.runtime.service import Running
from lab.shared.configs import ServerConfig
from lab.shared.scenarios import Scenario


@dataclass(frozen=True)
class Run:
    """One run of a cell, as far as its Locusts are concerned."""

    server: Server | Running
    load: measurement.Load
    prefix: Path  # its files' path prefix


class Ahead:
    """At most one run's Locusts, started ahead of it (`start(run)`), until it takes them (`take`)."""

    def __init__(self, run_id: str, cpus: list[int] | None, generator: Generator) -> None:
        self.run_id, self.cpus, self.generator = run_id, cpus, generator
        self._pending: tuple[Run, measurement.Locusts] | None = None

    def locusts(self, run: Run) -> measurement.Locusts:
        """`run`'s Locusts, started now and held at their gates."""
        tags = {"config": run.server.config.name, "run_id": self.run_id}
        return measurement.Locusts(
            run.server, run.load, out=run.prefix, tags=tags, cpus=self.cpus, generator=self.generator
        )

    def start(self, run: Run) -> measurement.Locusts | None:
        """Start `run`'s Locusts, held at their gates (any others started ahead are stopped first); None if
        they could not start."""
        self.discard()
        try:
            self._pending = (run, self.locusts(run))
        except Exception:  # met again, and reported, when the run starts its own
            return None
        return self._pending[1]

    def take(self, run: Run) -> measurement.Locusts | None:
        """The Locusts started for `run`, now the caller's to stop; None (any others stopped) if none."""
        if self._pending is not None and self._pending[0] == run and run.server.alive():
            locusts = self._pending[1]
            self._pending = None
            return locusts
        self.discard()
        return None

    def discard(self) -> None:
        if self._pending is not None:
            self._pending[1].stop()
            self._pending = None


def load(plan: Plan, scenario: Scenario, point: LoadPoint) -> measurement.Load:
    """What a run of the cell (`scenario`, `point`) sends."""
    options = {**plan.locust_options(scenario), **point.options()}
    return measurement.Load(scenario, point.users, plan.duration_s, options, plan.warmup_s)


def prefix(plan: Plan, cfg: ServerConfig, scenario: Scenario, point: LoadPoint, attempt: int) -> Path:
    """The path prefix of the files of run `attempt` (0-based) of a cell."""
    return plan.out / "logs" / f"{plan.sweep.name(cfg, point)}__{scenario.slug}__{attempt + 1}"


def upcoming(
    plan: Plan, cfg: ServerConfig, cells: Sequence[tuple[Scenario, LoadPoint]], cell: int, attempt: int
) -> tuple[Scenario, LoadPoint, Path] | None:
    """The run after `attempt` of `cells[cell]` (0-based): the cell's next attempt, else the next cell's
    first; None after the last."""
    if attempt + 1 < plan.repeat:
        attempt += 1
    elif cell + 1 < len(cells):
        cell, attempt = cell + 1, 0
    else:
        return None
    scenario, point = cells[cell]
    return scenario, point, prefix(plan, cfg, scenario, point, attempt)
