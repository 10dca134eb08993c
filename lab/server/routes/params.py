"""Query parameters shared by the catalogue, validated with bounds (out of range: 422 naming the bound)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Ms = Annotated[int, Query(ge=0, le=10_000, description="Milliseconds of work (sleep or CPU time), 0..10000.")]
N = Annotated[int, Query(ge=1, le=50, description="Number of upstream calls, 1..50.")]
