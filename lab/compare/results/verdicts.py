"""A gate's verdict on one cell (issue 12 §3): a check (`--check`) or a regression against a baseline
(`--fail-on-regression`). Stored in summary.json under "checks", shown in the report, the terminal and
the JUnit file. Its own module so that summary.py holds it without importing the code that judges."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["passed", "failed", "skipped"]


class Verdict(BaseModel):
    """passed: `value op bound` holds; failed: it does not, or the value was not measured; skipped: not
    judged (the cell failed, or a latency not at steady state is no regression)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["check", "regression"]
    name: str = Field(
        description='The expression as given, e.g. "io-async:p95_ms<150", or "req/s drop <= 10%".'
    )
    config: str
    scenario: str
    field: str = Field(description="The cell's field judged, e.g. p95_ms, or failure_ratio.")
    op: Literal["<", "<=", ">", ">=", "=="]
    bound: float | None = Field(description="For a regression: the baseline's value moved by the percentage.")
    value: float | None = Field(description="What the cell measured; None when it did not.")
    baseline: float | None = Field(None, description="A regression's value in the baseline.")
    outcome: Outcome
    message: str = Field(description="One sentence with the cell, the value and the bound.")
