"""A product catalogue on SQLAlchemy 2 (ORM) and SQLite, with `def` handlers, as the FastAPI docs teach."""

import os
import random
import tempfile
from collections.abc import Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, String, create_engine, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

PRODUCTS, CATEGORIES = 2000, 20


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    products: Mapped[list["Product"]] = relationship(back_populates="category")


class Product(Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    price_cents: Mapped[int]
    stock: Mapped[int]
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    category: Mapped[Category] = relationship(back_populates="products")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    created: Mapped[datetime]
    total_cents: Mapped[int]
    lines: Mapped[list["OrderLine"]] = relationship(cascade="all, delete-orphan")


class OrderLine(Base):
    __tablename__ = "order_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int]


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    price_cents: int
    stock: int
    category: CategoryOut


class LineIn(BaseModel):
    product_id: int = Field(ge=1, le=PRODUCTS)
    quantity: int = Field(ge=1, le=10)


class OrderIn(BaseModel):
    lines: list[LineIn] = Field(min_length=1, max_length=20)


class OrderOut(BaseModel):
    id: int
    total_cents: int
    lines: int


engine = None
SessionLocal = sessionmaker()


def seed(session: Session) -> None:
    rng = random.Random(7)
    session.add_all(Category(id=i, name=f"category {i}") for i in range(1, CATEGORIES + 1))
    session.add_all(
        Product(
            id=i,
            name=f"product {i}",
            price_cents=rng.randint(100, 99_00),
            stock=rng.randint(0, 500),
            category_id=1 + i % CATEGORIES,
        )
        for i in range(1, PRODUCTS + 1)
    )
    session.commit()


def wal(connection, _record) -> None:
    """SQLite as it is run in production: write-ahead log, no fsync on every commit."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@asynccontextmanager
async def lifespan(app: FastAPI):
    global engine
    path = os.path.join(tempfile.gettempdir(), f"orm_catalog-{os.getpid()}.db")
    if os.path.exists(path):
        os.remove(path)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", wal)
    Base.metadata.create_all(engine)
    SessionLocal.configure(bind=engine)
    with SessionLocal() as session:
        seed(session)
    yield
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


app = FastAPI(title="catalog", lifespan=lifespan)


def get_session() -> Iterator[Session]:
    with SessionLocal() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@app.get("/products/{product_id}", response_model=ProductOut)
def read_product(product_id: int, session: SessionDep):
    """One product and its category."""
    product = session.get(Product, product_id)
    if product is None:
        raise HTTPException(404, "no such product")
    return product


@app.get("/categories/{category_id}/products", response_model=list[ProductOut])
def list_products(category_id: int, session: SessionDep, limit: int = 20):
    """A page of a category's products, cheapest first."""
    query = (
        select(Product).where(Product.category_id == category_id).order_by(Product.price_cents).limit(limit)
    )
    return session.scalars(query).all()


@app.post("/orders", response_model=OrderOut, status_code=201)
def create_order(order: OrderIn, session: SessionDep):
    """An order, priced from the catalogue, in one transaction."""
    ids = [line.product_id for line in order.lines]
    prices = dict(session.execute(select(Product.id, Product.price_cents).where(Product.id.in_(ids))).all())
    total = sum(prices[line.product_id] * line.quantity for line in order.lines)
    row = Order(
        created=datetime.now(UTC),
        total_cents=total,
        lines=[OrderLine(product_id=line.product_id, quantity=line.quantity) for line in order.lines],
    )
    session.add(row)
    session.commit()
    return OrderOut(id=row.id, total_cents=total, lines=len(order.lines))


@app.get("/stats")
def stats(session: SessionDep):
    """How many orders this worker took."""
    return {"orders": session.scalar(select(func.count(Order.id)))}
