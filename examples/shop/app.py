"""The shop's FastAPI app: `app`, or `create_app()` for a fresh one.

uvicorn shop.app:app --app-dir examples
uvicorn --factory shop.app:create_app --app-dir examples

The lifespan runs once per worker process: it creates and seeds that worker's SQLite database and opens
one pooled httpx client for the upstream calls; at shutdown it closes both. With `SHOP_LIFESPAN_LOG` set,
it appends `startup PID` once started and `shutdown PID` once everything is closed.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypedDict

import httpx
from fastapi import FastAPI

from .db import Database
from .routers import items, quotes, upstream
from .settings import Settings


class State(TypedDict):
    """What the lifespan hands to every request (`request.state`)."""

    db: Database
    upstream: httpx.AsyncClient
    settings: Settings


def log_lifespan(path: Path | None, event: str) -> None:
    # One write on an O_APPEND descriptor: lines of several workers never interleave.
    if path is not None:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{event} {os.getpid()}\n".encode())
        finally:
            os.close(fd)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        db = Database.create(settings.items, settings.db_latency_ms / 1000)
        try:
            # One client per worker: its connections to the upstream are kept alive and reused. The
            # upstream is a known internal service: no proxy from the environment.
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
            async with httpx.AsyncClient(timeout=10, limits=limits, trust_env=False) as client:
                log_lifespan(settings.lifespan_log, "startup")
                yield {"db": db, "upstream": client, "settings": settings}
        finally:
            db.close()
        log_lifespan(settings.lifespan_log, "shutdown")

    app = FastAPI(title="shop", summary="The lab's example service", lifespan=lifespan)
    app.include_router(items.router)
    app.include_router(quotes.router)
    app.include_router(upstream.router)
    return app


app = create_app()
