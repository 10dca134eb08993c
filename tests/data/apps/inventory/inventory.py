"""Stock levels on SQLAlchemy 2 Core with a small connection pool, `def` handlers, a slow query each."""

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

POOL_SIZE = 3  # what a small managed database plan allows a process
QUERY_S = 0.02  # the warehouse view's query: slow, and the connection is held for all of it

metadata = MetaData()
stock = Table(
    "stock",
    metadata,
    Column("sku", String(20), primary_key=True),
    Column("warehouse", String(10)),
    Column("units", Integer),
)
engine = None


@asynccontextmanager
async def lifespan(app):
    global engine
    path = os.path.join(tempfile.mkdtemp(prefix="inventory-"), "stock.db")
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=POOL_SIZE,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"check_same_thread": False},
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            stock.insert(),
            [{"sku": f"SKU-{i:04d}", "warehouse": f"W{i % 4}", "units": 100} for i in range(1000)],
        )
    yield
    engine.dispose()


app = FastAPI(title="inventory", lifespan=lifespan)


def connection() -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn


Conn = Annotated[Connection, Depends(connection)]


@app.get("/stock/{sku}")
def level(sku: str, conn: Conn):
    """A SKU's units, read through the warehouse view (the slow query)."""
    row = conn.execute(select(stock).where(stock.c.sku == sku)).first()
    time.sleep(QUERY_S)  # the rest of the warehouse view's query, connection held
    if row is None:
        raise HTTPException(404, "no such sku")
    return {"sku": row.sku, "warehouse": row.warehouse, "units": row.units}


@app.post("/stock/{sku}/reserve")
def reserve(sku: str, units: int, conn: Conn):
    """Reserve units of a SKU."""
    done = conn.execute(update(stock).where(stock.c.sku == sku).values(units=stock.c.units - units))
    conn.commit()
    time.sleep(QUERY_S)
    return {"sku": sku, "reserved": units, "rows": done.rowcount}
