"""A pricing service: quotes validated and computed with pydantic, inline in `async def` handlers."""

from decimal import Decimal

from fastapi import FastAPI
from pydantic import BaseModel, Field, computed_field, field_validator

app = FastAPI(title="pricing")


class Item(BaseModel):
    sku: str = Field(pattern=r"^[A-Z]{3}-\d{4}$")
    quantity: int = Field(ge=1, le=1000)
    unit_price: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    discount: Decimal = Field(default=Decimal(0), ge=0, le=1)

    @computed_field
    @property
    def total(self) -> Decimal:
        return (self.unit_price * self.quantity * (1 - self.discount)).quantize(Decimal("0.01"))


class QuoteIn(BaseModel):
    customer: str = Field(min_length=3, max_length=40)
    currency: str = "EUR"
    items: list[Item] = Field(min_length=1, max_length=200)

    @field_validator("currency")
    @classmethod
    def known_currency(cls, value: str) -> str:
        if value not in {"EUR", "USD", "GBP"}:
            raise ValueError("unknown currency")
        return value


class QuoteOut(BaseModel):
    customer: str
    currency: str
    items: list[Item]
    subtotal: Decimal
    tax: Decimal
    total: Decimal


@app.post("/quotes", response_model=QuoteOut)
async def quote(body: QuoteIn):
    """Price a quote: every line, the tax, the total."""
    subtotal = sum((item.total for item in body.items), Decimal(0))
    tax = (subtotal * Decimal("0.2")).quantize(Decimal("0.01"))
    return QuoteOut(
        customer=body.customer,
        currency=body.currency,
        items=body.items,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
    )


@app.get("/price-list", response_model=list[Item])
async def price_list(size: int = 100):
    """The list price of `size` articles."""
    return [Item(sku=f"ABC-{i:04d}", quantity=1, unit_price=Decimal(i % 90 + 10)) for i in range(size)]
