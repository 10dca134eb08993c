"""Query parameters shared by the catalogue, validated with bounds (out of range: 422 naming the bound)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from lab.shared.scenarios import QUERY_BOUNDS, TOTAL_WAIT_MS_MAX, total_wait_problem

_MS, _N = QUERY_BOUNDS["ms"], QUERY_BOUNDS["n"]
Ms = Annotated[
    int,
    Query(ge=_MS[0], le=_MS[1], description=f"Milliseconds of work (sleep or CPU time), {_MS[0]}..{_MS[1]}."),
]
N = Annotated[int, Query(ge=_N[0], le=_N[1], description=f"Number of upstream calls, {_N[0]}..{_N[1]}.")]
FanoutMs = Annotated[
    int,
    Query(
        ge=_MS[0],
        le=_MS[1],
        description=f"Milliseconds each upstream call waits, {_MS[0]}..{_MS[1]}; n x ms at most "
        f"{TOTAL_WAIT_MS_MAX} (a request's total wait).",
    ),
]


def check_total_wait(n: int, ms: int) -> None:
    """n calls of ms each within TOTAL_WAIT_MS_MAX, else the 422 an out-of-range parameter gets, naming the
    bound (on `ms`: the per-call wait that, times n, is too long)."""
    problem = total_wait_problem(n, ms)
    if problem:
        error = {"type": "less_than_equal", "loc": ("query", "ms"), "msg": problem, "input": ms,
                 "ctx": {"total_wait_ms_max": TOTAL_WAIT_MS_MAX}}  # fmt: skip
        raise RequestValidationError([error])
