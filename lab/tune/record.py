"""tune.json (issue 23): every point with its prediction and measurement, `cells_measured`, the pick and
the runner-up, the capacity at the SLO, the USL fit when there is one, and the advice.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

SCHEMA = 1


class Point(BaseModel):
    name: str = Field(description="The configuration, named by the space's values that differ from the base.")
    values: dict[str, str] = Field(description="The space's keys at this point.")
    order: int | None = Field(None, description="1: measured first; None: not measured.")
    model_rps: float | None = Field(None, description="The model's throughput from the demands at one user.")
    model_response_ms: float | None = Field(None, description="The model's mean response time.")
    predicted_rps: float | None = Field(None, description="Refined by the nearest measured point.")
    predicted_p95_ms: float | None = None
    rps: float | None = Field(None, description="Measured.")
    p95_ms: float | None = None
    failure_ratio: float | None = None
    binding: str | None = Field(None, description="What bound the measured cell (lab.model).")
    status: str = Field(description="measured, failed or skipped.")
    meets: bool | None = Field(None, description="Every SLO met (measured points only).")
    missed: list[str] = Field(default_factory=list, description="Each SLO missed, in words.")
    note: str = Field("", description="Why it was measured or skipped.")
    cells: str | None = Field(None, description="Its comparison's directory, under OUT/cells/.")


class CapacityStep(BaseModel):
    load: float
    rps: float | None
    p95_ms: float | None
    meets: bool


class CapacityRecord(BaseModel):
    unit: str = Field(description="users or rate.")
    at_least: float = Field(description="The highest load measured that met every SLO.")
    below: float | None = Field(description="The lowest that missed; None: none did (it is higher).")
    steps: list[CapacityStep]


class UslRecord(BaseModel):
    axis: str = Field(description="workers or users: what N counts.")
    sigma: float = Field(description="Contention.")
    kappa: float = Field(description="Coherency.")
    lam: float = Field(description="req/s at N = 1.")
    rmse: float
    relative_error: float = Field(description="rmse / mean measured req/s: the fit's error.")
    points: int
    peak_n: float | None = Field(description="Where X(N) peaks; None: it flattens without a peak.")
    peak_rps: float | None
    extrapolated: dict[str, float] = Field(
        description="Predicted req/s at 2x and 4x the measured N ('2x', '4x'): extrapolation."
    )
    label: str = "extrapolation"


class Tune(BaseModel):
    schema_version: int = Field(SCHEMA, alias="schema")
    command: list[str]
    scenario: str
    users: int
    rate: float | None
    slos: list[str]
    space: dict[str, list[str]]
    grid_cells: int = Field(description="Points in the space: what a full grid would measure.")
    budget: int
    cells_measured: int = Field(description="Points the search measured (capacity cells not counted).")
    capacity_cells: int = 0
    stopped: str = Field(description="Why the search stopped.")
    pick: str | None = Field(description="The best point measured that meets every SLO.")
    runner_up: str | None = None
    runner_up_lost: str | None = Field(None, description="Why the runner-up lost, in words.")
    closest: str | None = Field(None, description="No point met: the nearest, and how far it missed.")
    capacity: CapacityRecord | None = None
    usl: UslRecord | None = None
    advice: str = ""
    interrupted: bool = False
    exit_status: int
    points: list[Point]
