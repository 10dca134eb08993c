"""One point of `lab tune` measured: a comparison of one configuration, one scenario, one load, through the
compare runner (lab.compare.run.runner.Comparison), in OUT/cells/<point>/ with its own summary.json. The
first cell calibrates (its demands at one user feed the model); the others reuse them, as `--verify`'s
reruns do (no knob of the space changes a request's demands at one user).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lab.compare.results.summary import Cell
from lab.compare.run.gates import Gates
from lab.compare.run.plan import Plan
from lab.compare.run.points import LoadPoint, Sweep, fmt_rate
from lab.compare.run.runner import Comparison
from lab.shared.configs import ServerConfig


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a cell: the comparison kept what it measured; the search stops and writes."""


def slug(name: str) -> str:
    """A point's name as a directory: uvicorn-single[threadpool=8]@users=50 keeps its characters but '/'."""
    return name.replace("/", "_")


@dataclasses.dataclass
class Runner:
    plan: Plan  # the base configuration, the scenario and the load, as lab compare would run them
    count: int = 0  # cells run

    @property
    def point(self) -> LoadPoint:
        rates = self.plan.sweep.rates
        return LoadPoint(self.plan.users, rates[0] if rates else None)

    def out(self, name: str) -> Path:
        return self.plan.out / "cells" / f"{self.count:02d}-{slug(name)}"

    def measure(self, cfg: ServerConfig, calibrate: bool, point: LoadPoint | None = None) -> Cell:
        """`cfg` at `point` (the plan's load when None): its cell, failed or not; Interrupted on Ctrl-C."""
        plan, point = self.plan, point or self.point
        base = plan.configs[0]
        self.count += 1
        suffix = "" if point == self.point else (
            f"@users={point.users}" if point.rate is None else f"@rate={fmt_rate(point.rate)}"
        )  # fmt: skip
        sub = dataclasses.replace(
            plan, configs=[cfg], users=point.users, repeat=1, out=self.out(cfg.name + suffix),
            sweep=Sweep(rates=[point.rate] if point.rate is not None else []),
            calibrate_s=plan.calibrate_s if calibrate else 0, gates=Gates(), baseline=None, verify=False,
            targets={**plan.targets, cfg.name: plan.target(base)},
        )  # fmt: skip
        comparison = Comparison(sub)
        if not comparison.run():
            raise Interrupted
        return comparison.cells[0]
