"""What a comparison sweeps (issue 12 §1, §2): the load each cell runs at and the swept keys' values.

`--set KEY=V1,V2` expands the configurations (lab.compare.run.asked, via `ServerConfig.with_overrides`);
`--users` and `--rate` give each cell's load here. A cell's point is its configuration's name and, when the
run swept the load, `@users=N` / `@rate=R` (`summary.point_name`): what tells cells apart in a run, in file
names and across runs (`lab diff`, --baseline).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.compare.results.summary import point_name
from lab.shared.configs import ServerConfig

# In the open model a user's requests queue for its FastHttpUser connections (lab.loadgen.users): the
# most requests in flight, as the model's ceiling counts them, is users x this.
CONNECTIONS_PER_USER = 10
RATE_OPTION = "--lab-rate"  # the Locust option of lab.loadgen.users' open model
RATE_USERS_OPTION = "--lab-rate-users"  # the users sharing it, for Locust workers that run a share


def fmt_rate(rate: float) -> str:
    """A rate as it is named: 200, 12.5."""
    return f"{rate:g}"


@dataclass(frozen=True)
class LoadPoint:
    """What one cell sends: `users` closed-loop users, or with `rate` an open model (req/s)."""

    users: int
    rate: float | None = None

    @property
    def in_flight(self) -> int:
        """The most requests in flight: the users in a closed loop, their connections in the open model."""
        return self.users if self.rate is None else self.users * CONNECTIONS_PER_USER

    def options(self) -> dict[str, str]:
        """Locust options that make this load (the open model's rate)."""
        if self.rate is None:
            return {}
        return {RATE_OPTION: fmt_rate(self.rate), RATE_USERS_OPTION: str(self.users)}


@dataclass(frozen=True)
class Sweep:
    """The swept values: users, open-model rates (empty: the closed loop) and --set keys (key -> values)."""

    users: list[int] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    keys: dict[str, list[str]] = field(default_factory=dict)

    def points(self, users: int) -> list[LoadPoint]:
        """Each load a cell runs at: every users value (else `users`), at every rate (none: closed loop)."""
        rates: list[float | None] = [*self.rates] or [None]
        return [LoadPoint(u, r) for u in self.users or [users] for r in rates]

    def swept(self) -> dict[str, list[str]]:
        """Every key swept over more than one value: configuration keys first, then users and rate."""
        found = dict(self.keys)
        if len(self.users) > 1:
            found["users"] = [str(u) for u in self.users]
        if len(self.rates) > 1:
            found["rate"] = [fmt_rate(r) for r in self.rates]
        return found

    def values(self, cfg: ServerConfig, point: LoadPoint) -> dict[str, str]:
        """The swept keys' values at a cell of `cfg` run at `point`."""
        found = {key: str(getattr(cfg, key)) for key in self.keys}
        if len(self.users) > 1:
            found["users"] = str(point.users)
        if len(self.rates) > 1 and point.rate is not None:
            found["rate"] = fmt_rate(point.rate)
        return found

    def name(self, cfg: ServerConfig, point: LoadPoint) -> str:
        """The point of a cell: `uvicorn-single[threadpool=8]@users=50`."""
        return point_name(cfg.name, self.values(cfg, point))
