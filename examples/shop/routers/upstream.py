"""A stand-in pricing service, served by the shop itself so that a run needs no other process.

The shop calls it over HTTP like any other upstream (`SHOP_UPSTREAM_URL` points elsewhere): on the
server these calls are requests of their own, on `/upstream/price/{item_id}`.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from ..deps import SettingsDep
from ..models import Price

router = APIRouter(prefix="/upstream", tags=["upstream"])


@router.get("/price/{item_id}")
async def price(item_id: Annotated[int, Path(ge=1)], settings: SettingsDep) -> Price:
    """Today's price of an item, after `SHOP_UPSTREAM_LATENCY_MS` of (non-blocking) waiting."""
    await asyncio.sleep(settings.upstream_latency_ms / 1000)
    if item_id > settings.items:
        raise HTTPException(status_code=404, detail=f"no price for item {item_id}")
    return Price(item_id=item_id, price_cents=100 + item_id * 7919 % 10_000, currency="EUR")
