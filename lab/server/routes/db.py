"""A real database wait written three ways (issue 16): `SELECT pg_sleep(ms)` through a pool of `db_pool`
connections per worker, in the thread pool, on the event loop, and blocking the loop.

Without `LAB_DATABASE_URL` the catalogue still starts and these answer 503 "no database configured"; a
request that gets no connection within the pool's timeout answers 503 too, never 500.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request

from lab.server.routes.params import Ms
from lab.server.unavailable import Unavailable

if TYPE_CHECKING:  # the pools' module imports psycopg, which a worker loads only with a database
    from lab.server.db import Pools

QUERY = "SELECT pg_sleep(%s)"  # the wait happens in the database, as a slow query's would

_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "No database configured, no connection free within the pool's timeout, or the "
          "database failed; the body's `detail` says which."}
}  # fmt: skip

router = APIRouter(prefix="/db", tags=["db"], responses=_UNAVAILABLE)


def _pools(request: Request) -> Pools:
    pools: Pools | None = request.app.state.db
    if pools is None:
        raise HTTPException(503, "no database configured: set LAB_DATABASE_URL (lab compare starts one)")
    return pools


@router.get("/sync", response_model=None)
def db_sync(request: Request, ms: Ms = 50) -> dict[str, object]:
    """`def` + the sync driver: a pool thread waits for a connection, then for the query."""
    try:
        with _pools(request).sync_connection() as conn:
            conn.execute(QUERY, (ms / 1000,))
    except Unavailable as exc:
        raise HTTPException(503, str(exc)) from None
    return {"kind": "db-sync", "ms": ms}


@router.get("/async", response_model=None)
async def db_async(request: Request, ms: Ms = 50) -> dict[str, object]:
    """`async def` + the async driver: waits yield the event loop; the pool's size is the limit."""
    try:
        async with _pools(request).async_connection() as conn:
            await conn.execute(QUERY, (ms / 1000,))
    except Unavailable as exc:
        raise HTTPException(503, str(exc)) from None
    return {"kind": "db-async", "ms": ms}


@router.get("/blocking", response_model=None)
async def db_blocking(request: Request, ms: Ms = 50) -> dict[str, object]:
    """`async def` + the sync driver: the common mistake; the event loop stops for the whole query."""
    try:
        with _pools(request).sync_connection() as conn:  # deliberately blocking: this endpoint shows the cost
            conn.execute(QUERY, (ms / 1000,))
    except Unavailable as exc:
        raise HTTPException(503, str(exc)) from None
    return {"kind": "db-blocking", "ms": ms}
