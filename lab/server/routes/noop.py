"""Zero-work endpoints: the fixed cost of a `def` (thread-pool hop) versus an `async def` route."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/noop", tags=["noop"])


@router.get("/sync", response_model=None)
def noop_sync() -> dict[str, str]:
    """`def` returning at once: pays the hop to a pool thread and back."""
    return {"kind": "noop-sync"}


@router.get("/async", response_model=None)
async def noop_async() -> dict[str, str]:
    """`async def` returning at once: runs on the event loop, no hop."""
    return {"kind": "noop-async"}
