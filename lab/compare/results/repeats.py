"""A cell's repeated runs taken together (issue 22 §1): each run's p95 and the 95% intervals over the runs.

Fields of summary.json's cells (schema 2, all optional), apart so that summary.py stays one screenful.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Repeated(BaseModel):
    p95_runs: list[float] = Field(default_factory=list, description="p95 ms of every run, in order.")
    rps_ci: list[float] | None = Field(
        None, description="[lo, hi]: 95% bootstrap interval of the mean req/s over the runs (3 or more)."
    )
    p95_ci: list[float] | None = Field(None, description="[lo, hi]: the same for p95_ms.")
