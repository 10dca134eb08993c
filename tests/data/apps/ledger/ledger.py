"""A bookkeeping service: journal entries validated with pydantic v2, inline in `async def` handlers."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field, field_validator, model_validator

app = FastAPI(title="ledger")

Account = Annotated[str, Field(pattern=r"^[1-9][0-9]{3}(-[A-Z]{2})?$")]


class Posting(BaseModel):
    account: Account
    side: Literal["debit", "credit"]
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    memo: str = Field("", max_length=200)
    tags: list[str] = []

    @field_validator("tags")
    @classmethod
    def lower(cls, tags: list[str]) -> list[str]:
        return sorted({t.strip().lower() for t in tags if t.strip()})


class Entry(BaseModel):
    booked: date
    reference: str = Field(min_length=3, max_length=40)
    postings: list[Posting] = Field(min_length=2)

    @model_validator(mode="after")
    def balanced(self) -> "Entry":
        debit = sum(p.amount for p in self.postings if p.side == "debit")
        credit = sum(p.amount for p in self.postings if p.side == "credit")
        if debit != credit:
            raise ValueError(f"unbalanced: debit {debit} != credit {credit}")
        return self


class Balance(BaseModel):
    account: str
    debit: Decimal
    credit: Decimal
    net: Decimal


class Report(BaseModel):
    entries: int
    postings: int
    balances: list[Balance]


@app.post("/entries", response_model=Report)
async def post_entries(entries: list[Entry]):
    """Validate a batch of journal entries and return the trial balance of the batch."""
    if not entries:
        raise HTTPException(422, "no entries")
    totals: dict[str, list[Decimal]] = {}
    for entry in entries:
        for p in entry.postings:
            pair = totals.setdefault(p.account, [Decimal(0), Decimal(0)])
            pair[0 if p.side == "debit" else 1] += p.amount
    balances = [Balance(account=a, debit=d, credit=c, net=d - c) for a, (d, c) in sorted(totals.items())]
    return Report(entries=len(entries), postings=sum(len(e.postings) for e in entries), balances=balances)


@app.get("/accounts/{account}")
async def account(account: str):
    """An account's description (a constant lookup: the cheap request of the mix)."""
    return {"account": account, "kind": "asset" if account.startswith("1") else "other"}
