"""I/O waits written three ways: in the thread pool, on the event loop, and blocking the loop."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter
from pydantic import BaseModel

from lab.server.routes.params import Ms

router = APIRouter(prefix="/io", tags=["io"])


@router.get("/sync", response_model=None)
def io_sync(ms: Ms = 50) -> dict[str, object]:
    """`def` + `time.sleep`: the wait runs in anyio's thread pool (40 tokens by default)."""
    time.sleep(ms / 1000)
    return {"kind": "io-sync", "ms": ms}


class Slept(BaseModel):
    kind: str
    ms: int


@router.get("/sync-model", response_model=Slept)
def io_sync_model(ms: Ms = 50) -> dict[str, object]:
    """`def` + `time.sleep` with a response model: FastAPI validates it in a second thread-pool trip."""
    time.sleep(ms / 1000)
    return {"kind": "io-sync-model", "ms": ms}


@router.get("/async", response_model=None)
async def io_async(ms: Ms = 50) -> dict[str, object]:
    """`async def` + `asyncio.sleep`: the wait yields the event loop to other requests."""
    await asyncio.sleep(ms / 1000)
    return {"kind": "io-async", "ms": ms}


@router.get("/blocking", response_model=None)
async def io_blocking(ms: Ms = 50) -> dict[str, object]:
    """`async def` + `time.sleep`: the common mistake; the whole event loop stops while it sleeps."""
    time.sleep(ms / 1000)  # deliberately blocking: this endpoint exists to show the cost
    return {"kind": "io-blocking", "ms": ms}
