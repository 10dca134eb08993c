"""A quotes service on a vendor's blocking SDK that allows 4 calls at a time (its own connection pool).

The lab sees `def` handlers holding thread-pool tokens for about 40 ms; it cannot see the SDK's limit (a
semaphore inside the app). On 4 tokens the thread pool looks like the binding resource, and doubling it
should not move throughput: what `lab compare --verify` is for.
"""

import threading
import time

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="vendor_limit")


class VendorClient:
    """The vendor's blocking client: 40 ms a call, at most `connections` calls at once per process."""

    def __init__(self, connections: int = 4) -> None:
        self._slots = threading.BoundedSemaphore(connections)

    def quote(self, symbol: str) -> dict:
        with self._slots:
            time.sleep(0.040)
            return {"symbol": symbol, "price_cents": 100 * len(symbol) + 7}


client = VendorClient()


class Quote(BaseModel):
    symbol: str
    price_cents: int


@app.get("/quotes/{symbol}", response_model=Quote)
def quote(symbol: str):
    """The vendor's quote for a symbol."""
    return Quote.model_validate(client.quote(symbol))


@app.get("/health")
def health():
    """Liveness."""
    return {"ok": True}
