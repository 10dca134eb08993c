"""Liveness and background work (the Prometheus exposition is the wrapper's: lab.server.wrap)."""

from __future__ import annotations

import os
import time

from fastapi import APIRouter, BackgroundTasks, Request

from lab.server.routes.params import Ms

router = APIRouter()


@router.get("/health", tags=["meta"], response_model=None)
async def health(request: Request) -> dict[str, object]:
    """Liveness: the configuration serving this request and the worker's pid."""
    return {"status": "ok", "config": request.app.state.settings.serving.name, "pid": os.getpid()}


def _background_sleep(ms: int) -> None:
    time.sleep(ms / 1000)


@router.get("/background", tags=["background"], response_model=None)
def background(tasks: BackgroundTasks, ms: Ms = 50) -> dict[str, object]:
    """`BackgroundTasks`: respond first, then sleep `ms` in the thread pool after the response."""
    tasks.add_task(_background_sleep, ms)
    return {"kind": "background", "ms": ms}
