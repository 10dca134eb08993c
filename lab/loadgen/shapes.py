"""A Locust load shape driven by class data: `stages`, run in order, each held for its own `duration`.

`duration` is the length of the stage (not the time it ends at, as in Locust's example), so a stage can
be edited, inserted or removed without touching the others. The test stops after the last stage.
"""

from __future__ import annotations

from typing import ClassVar, TypedDict

from locust import LoadTestShape


class Stage(TypedDict):
    duration: float  # seconds
    users: int
    spawn_rate: float  # users started (or stopped) per second to reach `users`


class StagesShape(LoadTestShape):
    abstract = True
    stages: ClassVar[list[Stage]] = []

    def tick(self) -> tuple[int, float] | None:
        run_time = self.get_run_time()
        end = 0.0
        for stage in self.stages:
            end += stage["duration"]
            if run_time < end:
                return stage["users"], stage["spawn_rate"]
        return None
