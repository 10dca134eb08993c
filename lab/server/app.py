"""The target service: `uvicorn --factory lab.server.app:create_app` serves it."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import anyio.to_thread
import httpx
from fastapi import FastAPI

from lab.server import metrics, pool, probes, work
from lab.server.instrumentation import instrument
from lab.server.routes import cpu, fanout, io, misc, noop
from lab.server.settings import AppSettings, multiprocess_dir
from lab.shared import multiproc

# Fan-out must measure the server, not a client pool that runs out of connections first.
_UPSTREAM_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
_UPSTREAM_TIMEOUT = httpx.Timeout(60.0)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: AppSettings = app.state.settings
    # Applied inside this worker's event loop, where FastAPI's `def` endpoints borrow their threads.
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool
    directory = multiprocess_dir()
    if directory:
        multiproc.mark_dead_workers(directory)
    work.calibrate()
    app.state.process_pool = await asyncio.to_thread(pool.create, settings.process_pool)
    # No base URL: without LAB_UPSTREAM_URL the upstream is known only from a request's listening socket.
    app.state.http_sync = httpx.Client(limits=_UPSTREAM_LIMITS, timeout=_UPSTREAM_TIMEOUT)
    app.state.http_async = httpx.AsyncClient(limits=_UPSTREAM_LIMITS, timeout=_UPSTREAM_TIMEOUT)
    sampler = probes.ResourceSampler(settings.sample_interval_s)
    sampler.start()
    loop_probe = asyncio.create_task(probes.loop_probe(settings.loop_lag_interval_s))
    info = metrics.SERVER_INFO.labels(
        config=settings.config,
        server=settings.server,
        workers=str(settings.workers),
        threadpool=str(settings.threadpool),
        loop=settings.loop,
        http=settings.http,
        process_pool=str(settings.process_pool),
    )
    info.set(1)
    try:
        yield
    finally:
        loop_probe.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop_probe
        sampler.stop()
        await app.state.http_async.aclose()
        app.state.http_sync.close()
        app.state.process_pool.shutdown(wait=True, cancel_futures=True)


def create_app(settings: AppSettings | None = None) -> FastAPI:
    """Build the catalogue app; settings come from `LAB_*` environment variables unless given."""
    settings = settings or AppSettings()
    app = FastAPI(
        title="FastAPI load lab target",
        description="Sync, async, blocking, CPU and offloaded endpoints, instrumented for Prometheus.",
        version=f"config={settings.config} pid={os.getpid()}",
        lifespan=lifespan,
    )
    app.state.settings = settings
    for module in (io, cpu, fanout, noop, misc):
        app.include_router(module.router)
    if settings.instrument:
        instrument(app)
    return app
