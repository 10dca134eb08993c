"""Query parameters shared by the catalogue, validated with bounds (out of range: 422 naming the bound)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from lab.shared.scenarios import QUERY_BOUNDS

_MS, _N = QUERY_BOUNDS["ms"], QUERY_BOUNDS["n"]
Ms = Annotated[
    int,
    Query(ge=_MS[0], le=_MS[1], description=f"Milliseconds of work (sleep or CPU time), {_MS[0]}..{_MS[1]}."),
]
N = Annotated[int, Query(ge=_N[0], le=_N[1], description=f"Number of upstream calls, {_N[0]}..{_N[1]}.")]
