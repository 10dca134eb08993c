"""The catalogue: `def` endpoints, each request a SQLite query in a thread-pool thread."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from ..deps import DbDep
from ..models import Item

router = APIRouter(prefix="/items", tags=["items"])


@router.get("")
def list_items(
    db: DbDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    category: str | None = None,
) -> list[Item]:
    """A page of items, with their review count and mean rating."""
    return [Item(**row) for row in db.items(limit, offset, category)]


@router.get("/{item_id}")
def read_item(item_id: Annotated[int, Path(ge=1)], db: DbDep) -> Item:
    """One item, with its review count and mean rating."""
    row = db.item(item_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"item {item_id} not found")
    return Item(**row)
