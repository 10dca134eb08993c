"""CPU work that holds the GIL: inline, in the thread pool, offloaded to threads or to processes."""

from __future__ import annotations

import asyncio

import anyio.to_thread
from fastapi import APIRouter, Request

from lab.server import metrics, pool, work
from lab.server.routes.params import Ms

router = APIRouter(prefix="/cpu", tags=["cpu"])


def _done(handler: str, ms: int, cpu_s: float) -> dict[str, object]:
    metrics.CPU_WORK.labels(handler=handler).observe(cpu_s)
    return {"kind": "cpu-" + handler.rsplit("/", 1)[1], "ms": ms, "cpu_s": round(cpu_s, 6)}


@router.get("/sync", response_model=None)
def cpu_sync(ms: Ms = 10) -> dict[str, object]:
    """`def` + CPU work: runs in the thread pool, still under one GIL."""
    return _done("/cpu/sync", ms, work.burn(ms))


@router.get("/async", response_model=None)
async def cpu_async(ms: Ms = 10) -> dict[str, object]:
    """`async def` + the same CPU work inline: the event loop does nothing else meanwhile."""
    return _done("/cpu/async", ms, work.burn(ms))


@router.get("/thread", response_model=None)
async def cpu_thread(ms: Ms = 10) -> dict[str, object]:
    """`async def` + `anyio.to_thread.run_sync`: offloaded to a thread, still one GIL."""
    return _done("/cpu/thread", ms, await anyio.to_thread.run_sync(work.burn, ms))


@router.get("/process", response_model=None)
async def cpu_process(request: Request, ms: Ms = 10) -> dict[str, object]:
    """`async def` + a process pool via `run_in_executor`: real parallelism, one GIL per process."""
    executor = request.app.state.process_pool
    metrics.PROCESS_POOL_PENDING.inc()
    try:
        cpu_s = await asyncio.get_running_loop().run_in_executor(executor, pool.cpu_job, ms)
    finally:
        metrics.PROCESS_POOL_PENDING.dec()
    return _done("/cpu/process", ms, cpu_s)
