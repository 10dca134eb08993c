"""The catalogue of endpoints: `uvicorn --factory lab.server.app:create_app` serves it, wrapped by the lab."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx
from fastapi import FastAPI

from lab.server import pool, work
from lab.server.routes import cpu, fanout, io, misc, noop
from lab.server.routes import db as db_routes
from lab.server.settings import AppSettings
from lab.server.wrap import LabApp, wrap

if TYPE_CHECKING:
    from lab.server.db import Pools

# Fan-out must measure the server, not a client pool that runs out of connections first.
_UPSTREAM_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
_UPSTREAM_TIMEOUT = httpx.Timeout(60.0)


async def _open_db(url: str, size: int, timeout_s: float) -> Pools:
    # Imported here: psycopg costs a worker about 0.2 s at start, paid only when a database is configured.
    from lab.server import db

    return await db.open_pools(url, size, timeout_s)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The catalogue's own resources; the lab's probes are the wrapper's (lab.server.wrap), as for any app."""
    settings: AppSettings = app.state.settings
    work.calibrate()
    app.state.process_pool = await asyncio.to_thread(pool.create, settings.serving.process_pool)
    # No base URL: without LAB_UPSTREAM_URL the upstream is known only from a request's listening socket.
    app.state.http_sync = httpx.Client(limits=_UPSTREAM_LIMITS, timeout=_UPSTREAM_TIMEOUT)
    app.state.http_async = httpx.AsyncClient(limits=_UPSTREAM_LIMITS, timeout=_UPSTREAM_TIMEOUT)
    # The database pools only with a database: without one the catalogue starts, and /db/* answer 503.
    url, size = settings.database_url, settings.serving.db_pool
    app.state.db = await _open_db(url, size, settings.db_pool_timeout_s) if url else None
    try:
        yield
    finally:
        if app.state.db is not None:
            await app.state.db.close()
        await app.state.http_async.aclose()
        app.state.http_sync.close()
        app.state.process_pool.shutdown(wait=True, cancel_futures=True)


def create_catalogue(settings: AppSettings | None = None) -> FastAPI:
    """The catalogue app alone, as a user's app would be: settings from `LAB_*` environment variables."""
    settings = settings or AppSettings()
    app = FastAPI(
        title="FastAPI load lab target",
        description="Sync, async, blocking, CPU and offloaded endpoints, instrumented for Prometheus.",
        version=f"config={settings.serving.name} pid={os.getpid()}",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = None  # the lifespan opens the pools
    for module in (io, cpu, fanout, db_routes, noop, misc):
        app.include_router(module.router)
    return app


def create_app(settings: AppSettings | None = None) -> LabApp:
    """The catalogue as the lab serves it: wrapped with the metrics, probes and thread-pool size."""
    settings = settings or AppSettings()
    return wrap(create_catalogue(settings), settings)
