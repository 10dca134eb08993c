"""A reporting service: `def` handlers that wait on a slow blocking SDK (25 ms) and validate its answer."""

import time
from datetime import date, timedelta

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="reports")


class Row(BaseModel):
    day: date
    visits: int
    revenue_cents: int


class Report(BaseModel):
    account: str
    rows: list[Row]
    revenue_cents: int


def fetch_from_warehouse(account: str, days: int) -> list[dict]:
    """The vendor's blocking client: about 25 ms a call, whatever the size."""
    time.sleep(0.025)
    start = date(2026, 1, 1)
    return [
        {"day": (start + timedelta(days=i)).isoformat(), "visits": 100 + i, "revenue_cents": 1000 * i}
        for i in range(days)
    ]


@app.get("/accounts/{account}/report", response_model=Report)
def report(account: str, days: int = 30):
    """An account's daily report from the warehouse."""
    rows = [Row.model_validate(r) for r in fetch_from_warehouse(account, days)]
    return Report(account=account, rows=rows, revenue_cents=sum(r.revenue_cents for r in rows))


@app.get("/health")
def health():
    """Liveness."""
    return {"ok": True}
