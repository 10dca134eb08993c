"""Several upstream calls per request: sequential with a sync client, concurrent with `asyncio.gather`.

The upstream is this lab's own `/io/async` at `LAB_UPSTREAM_URL`; the request never chooses the URL.
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Request

from lab.server.routes.params import Ms, N

router = APIRouter(prefix="/fanout", tags=["fanout"])


@router.get("/sync", response_model=None)
def fanout_sync(request: Request, n: N = 5, ms: Ms = 50) -> dict[str, object]:
    """`def` + `n` sequential calls with a pooled sync HTTP client: takes the sum of the calls."""
    client: httpx.Client = request.app.state.http_sync
    for _ in range(n):
        client.get("/io/async", params={"ms": ms}).raise_for_status()
    return {"kind": "fanout-sync", "n": n, "ms": ms}


@router.get("/async", response_model=None)
async def fanout_async(request: Request, n: N = 5, ms: Ms = 50) -> dict[str, object]:
    """`async def` + `asyncio.gather` over a pooled async client: takes as long as the slowest call."""
    client: httpx.AsyncClient = request.app.state.http_async
    responses = await asyncio.gather(*(client.get("/io/async", params={"ms": ms}) for _ in range(n)))
    for response in responses:
        response.raise_for_status()
    return {"kind": "fanout-async", "n": n, "ms": ms}
