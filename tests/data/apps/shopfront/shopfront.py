"""A storefront API: a cheap async catalogue read, a slow upstream call, and a CPU-heavy recommendation."""

import asyncio

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="shopfront")
PRODUCTS = [
    {"id": i, "name": f"product {i}", "tags": [f"t{i % 7}", f"t{i % 11}"], "price": i * 3 % 97}
    for i in range(2000)
]


class Product(BaseModel):
    id: int
    name: str
    tags: list[str]
    price: int


@app.get("/products/{pid}", response_model=Product)
async def product(pid: int):
    return PRODUCTS[pid % len(PRODUCTS)]


@app.get("/shipping/{pid}")
async def shipping(pid: int):
    await asyncio.sleep(0.04)  # the carrier's API
    return {"id": pid, "days": 2 + pid % 3}


@app.get("/recommend/{pid}", response_model=list[Product])
def recommend(pid: int):
    me = PRODUCTS[pid % len(PRODUCTS)]

    def score(p: dict) -> tuple[int, int]:
        return len(set(p["tags"]) & set(me["tags"])), -abs(p["price"] - me["price"])

    scored = sorted(PRODUCTS, key=score, reverse=True)
    return scored[:20]
