"""Quotes: an `async def` endpoint that awaits an upstream service with httpx, on the event loop."""

from __future__ import annotations

import time
from typing import Annotated

import httpx
from fastapi import APIRouter, HTTPException, Path, Request

from ..deps import SettingsDep, UpstreamDep
from ..models import Price, Quote

router = APIRouter(prefix="/quotes", tags=["quotes"])


@router.get("/{item_id}")
async def quote(
    item_id: Annotated[int, Path(ge=1)], request: Request, upstream: UpstreamDep, settings: SettingsDep
) -> Quote:
    """The item's current price, asked of the pricing service (`SHOP_UPSTREAM_URL`, default: this server)."""
    base = settings.upstream_url or str(request.base_url)
    url = f"{base.rstrip('/')}/upstream/price/{item_id}"
    started = time.perf_counter()
    try:
        response = await upstream.get(url)
    except httpx.HTTPError as exc:
        raise HTTPException(status_code=502, detail=f"pricing service unreachable: {exc!r}") from exc
    if response.status_code == 404:
        raise HTTPException(status_code=404, detail=f"item {item_id} not found")
    if response.is_error:
        raise HTTPException(status_code=502, detail=f"pricing service answered {response.status_code}")
    price = Price.model_validate_json(response.content)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return Quote(**price.model_dump(), upstream_ms=round(elapsed_ms, 3))
