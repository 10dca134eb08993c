"""A run's provenance: what was run, where and when, declared once (issue 27).

`Provenance` is what every run records (summary.json's and claims.json's `meta` share it); `Meta` is a
comparison's (`lab compare`, summary.json), `ClaimsMeta` a claims run's (`lab claims`, claims.json).
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from lab.shared.configs import ServerConfig
from lab.shared.cores import usable_cpus
from lab.shared.service import Service
from lab.shared.target import AppTarget


def utc_now() -> str:
    """Now, ISO 8601 in UTC to the second: how a run's times are written."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def command_line() -> list[str]:
    """The command as the user typed it: `lab compare ...` (program name without its directory), also when
    run as `python -m lab`."""
    name = Path(sys.argv[0]).name
    return ["lab" if name == "__main__.py" else name, *sys.argv[1:]]


class Machine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cores: int = Field(ge=1, description="Usable cores of the machine.")
    platform: str = ""
    cpu: str = ""

    @classmethod
    def here(cls, cores: int | None = None) -> Machine:
        """This machine: `cores` usable (default: the cores this process may use)."""
        count = len(usable_cpus()) if cores is None else cores
        return cls(cores=count, platform=platform.platform(), cpu=platform.processor())


class Pinning(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    server: list[int] | None = Field(None, description="CPUs the servers were pinned to; None: not pinned.")
    generator: list[int] | None = Field(None, description="CPUs Locust was pinned to; None: not pinned.")
    note: str = ""


class Provenance(BaseModel):
    """What every run records of itself: how it ended, the command, the code and the machine."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    finished: str | None = Field(None, description="None while running, or when killed.")
    interrupted: bool = Field(False, description="Stopped by Ctrl-C: the results hold what completed.")
    command: list[str] = Field(default_factory=list)
    git_commit: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    machine: Machine


class ClaimsMeta(Provenance):
    """A claims run (claims.json's `meta`)."""

    date: str = Field("", description="When the run started: ISO 8601, UTC.")
    cores: int | None = Field(None, description="Usable cores (the claims' `cores` number).")
    quick: bool = Field(False, description="--quick: one repeat, short loads.")


class Meta(Provenance):
    """What was run, where and when: enough to read the cells and to rerun them."""

    run_id: str
    started: str = Field(description="ISO 8601, UTC.")
    pinning: Pinning = Field(default_factory=Pinning)
    configs: list[ServerConfig] = Field(default_factory=list)
    scenarios: list[str] = Field(default_factory=list)
    users: int = Field(ge=1, description="Users (the first value when --users swept them).")
    rates: list[float] = Field(
        default_factory=list, description="Open-model arrival rates (--rate), req/s; empty: closed loop."
    )
    sweeps: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Swept keys and their values, e.g. {"threadpool": ["4", "8"], "users": ["10", "50"]}.',
    )
    duration_s: float = Field(gt=0, description="Measured seconds per cell.")
    warmup_s: float = Field(ge=0)
    repeat: int = Field(1, ge=1)
    repeat_auto: bool = Field(
        False, description="--repeat auto: runs until the intervals are within 5%, `repeat` at most."
    )
    options: dict[str, str] = Field(default_factory=dict, description='e.g. {"--io-ms": "100"}.')
    target: AppTarget | None = Field(None, description="The app under test; None: the lab's own catalogue.")
    locustfile: str | None = Field(None, description="The user's locustfile; None: the lab's scenarios.")
    wait_times: dict[str, str] = Field(
        default_factory=dict,
        description='Each user class\'s wait_time as Locust sees it, e.g. {"Shopper": "between(0.5, 1.5)"}; '
        "empty: the lab's own users (no wait).",
    )
    max_failure_ratio: float = Field(
        0.01, ge=0, le=1, description="--max-failure-ratio: a cell that failed more is flagged failing."
    )
    service: Service | None = Field(
        None, description="lab run: the running service measured (None: the lab started the servers)."
    )
