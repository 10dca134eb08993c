"""The shop's response models: what its endpoints promise to return."""

from __future__ import annotations

from pydantic import BaseModel


class Item(BaseModel):
    id: int
    name: str
    category: str
    price_cents: int
    stock: int
    reviews: int
    rating: float | None  # None: no review yet


class Price(BaseModel):
    """The pricing service's answer."""

    item_id: int
    price_cents: int
    currency: str


class Quote(BaseModel):
    """A price from the pricing service, and how long that call took."""

    item_id: int
    price_cents: int
    currency: str
    upstream_ms: float
