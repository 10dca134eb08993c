"""What a comparison runs: the configurations, the scenarios, the load points and how each is served.

A Plan is built checked (lab.compare.run.asked.build): holding one, a runner can start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lab.compare.run.gates import Gates
from lab.compare.run.points import LoadPoint, Sweep
from lab.runtime.generator import Generator
from lab.shared.configs import ServerConfig
from lab.shared.cores import Pin
from lab.shared.scenarios import Scenario
from lab.shared.service import Service
from lab.shared.target import AppInfo, AppTarget


class PlanError(ValueError):
    """What makes the asked comparison impossible: a usage error (exit 2), nothing started."""


MAX_FAILURE_RATIO = 0.01  # --max-failure-ratio's default
CALIBRATE_S = 3.0  # the default calibration of a scenario (one user, once per configuration): its demands


@dataclass(frozen=True)
class Plan:
    configs: list[ServerConfig]
    scenarios: list[Scenario]
    users: int
    duration_s: float
    warmup_s: float
    repeat: int
    out: Path
    options: dict[str, str] = field(default_factory=dict)  # Locust custom arguments, e.g. {"--io-ms": "100"}
    pin: Pin = "auto"
    port: int | None = None
    host: str = "127.0.0.1"  # what the servers bind and Locust sends to (--server-host)
    # The app each configuration serves (config name -> target; absent: the configuration's own, else the
    # catalogue), what the lab learnt of each user app, and the user's locustfile if any (issue 11).
    targets: dict[str, AppTarget] = field(default_factory=dict)
    apps: dict[AppTarget, AppInfo] = field(default_factory=dict)
    locustfile: Path | None = None
    # Seconds of the run at one user before a scenario's first cell on a configuration (None: CALIBRATE_S;
    # 0: none).
    calibrate_s: float | None = None
    # Environment every server gets on top of the launcher's: LAB_DATABASE_URL of the database the command
    # started for the db-* scenarios (issue 16).
    server_env: dict[str, str] = field(default_factory=dict)
    sweep: Sweep = field(default_factory=Sweep)  # users, rates and --set keys swept (issue 12 §1, §2)
    # How Locust sends (issue 13): processes 0 = auto, one per core the pinning leaves to Locust.
    generator: Generator = field(default_factory=lambda: Generator(processes=0))
    # The gates judged after the run (issue 12 §3) and the earlier run to set beside it (--baseline).
    gates: Gates = field(default_factory=Gates)
    baseline: Path | None = None
    max_failure_ratio: float = MAX_FAILURE_RATIO  # a cell that failed more is flagged failing (issue 21 §4)
    # --repeat auto (issue 22 §1): `repeat` is then the cap; a cell stops once its intervals are narrow.
    repeat_auto: bool = False
    # A running service the lab did not start (`lab run`, issue 24): its one configuration stands for it.
    service: Service | None = None
    verify: bool = False  # rerun each cell with its binding knob doubled (issue 21 §3, run/verify.py)

    @property
    def needs_postgres(self) -> bool:
        """A PostgreSQL for the whole run: only the db-* scenarios use one (issue 16)."""
        return any(s.kind == "db" for s in self.scenarios)

    def planned(self) -> set[tuple[str, str]]:
        """(point, scenario) of every cell the plan runs: what the gates may name."""
        return {(self.sweep.name(c, p), s.name) for c in self.configs for s, p in self.cells()}

    def cells(self) -> list[tuple[Scenario, LoadPoint]]:
        """The cells of each configuration, in order: every scenario at every load."""
        return [(s, p) for s in self.scenarios for p in self.sweep.points(self.users)]

    def calibration(self, scenario: Scenario) -> float:
        """Seconds of `scenario`'s calibration run at one user: its service demands (issue 21 §1)."""
        if self.service is not None:
            return 0.0  # a running service has no ceiling (its workers are unknown): nothing to calibrate
        return CALIBRATE_S if self.calibrate_s is None else self.calibrate_s

    def shaped(self, point: LoadPoint, users: list[int]) -> LoadPoint:
        """The cell's load as recorded: under a locustfile's load shape, the most users it ran at once."""
        if self.service is None or self.service.shape is None or not users:
            return point
        return LoadPoint(max(1, max(users)))

    def app_info(self, cfg: ServerConfig) -> AppInfo | None:
        return self.apps.get(self.target(cfg))

    def target(self, cfg: ServerConfig) -> AppTarget:
        return self.targets.get(cfg.name) or cfg.target().resolved()

    def params(self, scenario: Scenario) -> dict[str, int]:
        """The query parameters `scenario` sends: its defaults with the plan's options applied."""
        values = scenario.defaults
        for parameter in scenario.parameters:
            if parameter.option in self.options:
                values[parameter.query] = int(self.options[parameter.option])
        return values

    def locust_options(self, scenario: Scenario) -> dict[str, str]:
        return {
            p.option: str(v)
            for p in scenario.parameters
            for q, v in self.params(scenario).items()
            if q == p.query
        }


def target_record(plan: Plan) -> AppTarget | None:
    """The one app every configuration served, when it is not the catalogue (mixed: per configuration)."""
    served = {plan.target(cfg) for cfg in plan.configs}
    if len(served) != 1:
        return None
    (target,) = served
    return None if target.is_catalogue else target
