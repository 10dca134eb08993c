"""The run's metadata in summary.json: what was run, where and when (`Meta`, the `meta` object)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lab.shared.configs import ServerConfig
from lab.shared.target import AppTarget


class Machine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cores: int = Field(ge=1, description="Usable cores of the machine.")
    platform: str = ""
    cpu: str = ""


class Pinning(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    server: list[int] | None = Field(None, description="CPUs the servers were pinned to; None: not pinned.")
    generator: list[int] | None = Field(None, description="CPUs Locust was pinned to; None: not pinned.")
    note: str = ""


class Meta(BaseModel):
    """What was run, where and when: enough to read the cells and to rerun them."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    run_id: str
    started: str = Field(description="ISO 8601, UTC.")
    finished: str | None = Field(None, description="None while running, or when killed.")
    interrupted: bool = Field(False, description="Stopped by Ctrl-C: the cells hold what completed.")
    command: list[str] = Field(default_factory=list)
    git_commit: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    machine: Machine
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
    options: dict[str, str] = Field(default_factory=dict, description='e.g. {"--io-ms": "100"}.')
    target: AppTarget | None = Field(None, description="The app under test; None: the lab's own catalogue.")
    locustfile: str | None = Field(None, description="The user's locustfile; None: the lab's scenarios.")
