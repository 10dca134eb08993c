"""Liveness, background work and the Prometheus exposition."""

from __future__ import annotations

import os
import time

from fastapi import APIRouter, BackgroundTasks, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from lab.server import exposition
from lab.server.routes.params import Ms
from lab.server.settings import multiprocess_dir

router = APIRouter()


@router.get("/health", tags=["meta"], response_model=None)
async def health(request: Request) -> dict[str, object]:
    """Liveness: the configuration serving this request and the worker's pid."""
    return {"status": "ok", "config": request.app.state.settings.config, "pid": os.getpid()}


def _background_sleep(ms: int) -> None:
    time.sleep(ms / 1000)


@router.get("/background", tags=["background"], response_model=None)
def background(tasks: BackgroundTasks, ms: Ms = 50) -> dict[str, object]:
    """`BackgroundTasks`: respond first, then sleep `ms` in the thread pool after the response."""
    tasks.add_task(_background_sleep, ms)
    return {"kind": "background", "ms": ms}


@router.get("/metrics", tags=["meta"], include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition, every series labelled `config`; multiprocess: the sum over worker files."""
    # async on purpose: a starved thread pool must not delay scrapes (a blocked loop still does, truly).
    payload = exposition.render(request.app.state.settings.config, multiprocess_dir())
    return Response(payload, media_type=CONTENT_TYPE_LATEST)
