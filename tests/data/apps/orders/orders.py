"""Orders read in `async def` handlers through a small pool of database connections (20 ms a query): the
pool, not the event loop, sets how many run at once. Its size comes from LAB_DB_POOL, the environment the
lab gives every server process from the configuration's db_pool (a service sizes its pool from its
environment the same way)."""

import asyncio
import os

import anyio
from fastapi import FastAPI

app = FastAPI()
QUERY_S = 0.02
POOL = anyio.CapacityLimiter(int(os.environ.get("LAB_DB_POOL", "10")))


async def query(order_id: int) -> dict[str, int]:
    async with POOL:  # a connection held for the whole query
        await asyncio.sleep(QUERY_S)
    return {"id": order_id, "total_cents": order_id * 137 % 10_000}


@app.get("/orders/{order_id}")
async def order(order_id: int) -> dict[str, int]:
    return await query(order_id)
