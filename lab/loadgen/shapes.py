"""The lab's Locust load shapes: stages driven by class data, and a scale for every shape's clock.

`duration` is the length of the stage (not the time it ends at, as in Locust's example), so a stage can
be edited, inserted or removed without touching the others. The test stops after the last stage.

Importing this module registers `--shape-scale` (env LAB_SHAPE_SCALE, default 1): every duration of a
lab shape is multiplied by it and every spawn rate divided by it, so the shape keeps its form on a
shorter (or longer) clock: `--shape-scale 0.1` runs a 5-minute shape in 30 s, each ramp still filling
its stage. The web UI shows it beside the other custom arguments.
"""

from __future__ import annotations

import argparse
from typing import Any, ClassVar, TypedDict

from locust import LoadTestShape, events
from locust.argument_parser import LocustArgumentParser


class Stage(TypedDict):
    duration: float  # seconds
    users: int
    spawn_rate: float  # users started (or stopped) per second to reach `users`


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
    return value


@events.init_command_line_parser.add_listener
def _add_arguments(parser: LocustArgumentParser, **_kwargs: Any) -> None:
    parser.add_argument(
        "--shape-scale", type=_positive, default=1.0, env_var="LAB_SHAPE_SCALE",
        help="Multiply every stage duration of the lab's load shapes by this (and divide their spawn "
        "rates by it): 0.1 runs a 5-minute shape in 30 s.",
    )  # fmt: skip


class LabShape(LoadTestShape):
    """Base of the lab's shapes: `scale()` is `--shape-scale` (1 without a runner, e.g. in tests)."""

    abstract = True

    def scale(self) -> float:
        options = self.runner.environment.parsed_options if self.runner is not None else None
        value = float(getattr(options, "shape_scale", 1.0) or 1.0)
        return value if value > 0 else 1.0  # the web UI does not validate what it is sent

    def get_run_time(self) -> float:
        """Seconds since the test started: Locust's own, annotated (Locust's is not)."""
        return float(LoadTestShape.get_run_time(self))


class StagesShape(LabShape):
    abstract = True
    stages: ClassVar[list[Stage]] = []

    def tick(self) -> tuple[int, float] | None:
        scale = self.scale()
        run_time = self.get_run_time()
        end = 0.0
        for stage in self.stages:
            end += stage["duration"] * scale
            if run_time < end:
                return stage["users"], stage["spawn_rate"] / scale
        return None
