"""Each request's time on its worker's event loop, measured (issue 21 §1: the loop's service demand).

A coroutine holds its loop from the moment the loop resumes it until it awaits something that is not
ready, or ends: meanwhile nothing else on that loop runs. The lab's middleware awaits the app through a
trampoline that times each of those steps (two clock reads a step) and adds them to the request; a task
factory installed at the worker's startup does the same for every task created while a request is being
served, since a task runs in a copy of its creator's context (Starlette's BaseHTTPMiddleware and
StreamingResponse run the app in such child tasks). Tasks created outside a request (the server's own)
are left as they are.

    lab_request_loop_seconds{handler}    summary; the wall time the request's steps held the loop

At one user this is what a request holds its loop for: CPU inline, and the blocking calls of an `async`
handler (a `time.sleep`, a synchronous driver); awaited I/O is not in it, and a `def` handler's work is in a
thread, so only its dispatch and its response are. Not counted: the server's protocol callbacks (parsing,
writes: tens of µs), and tasks the request started that outlive it.

Hooked by `install(loop)` at the lab's per-worker start (lab.server.wrap) and three lines in
`LabInstrumentatorMiddleware.__call__` (lab.server.instrumentation): `held = loop_time.begin()`,
`await loop_time.timed(app(...))` and `loop_time.observe(route.loop, held)`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from contextvars import ContextVar
from typing import Any

from prometheus_client import Summary

from lab.shared import metric_names

# A summary (sum and count, no quantiles): the model needs the mean, and an observation costs two
# additions where a histogram's also searches its buckets (bench/instrumentation.py).
REQUEST_LOOP = Summary(
    metric_names.REQUEST_LOOP,
    "Wall time the request's steps held the worker's event loop: its loop demand at one user.",
    ["handler"],
)

_HELD: ContextVar[list[float] | None] = ContextVar("lab_loop_held", default=None)
TaskFactory = Callable[..., "asyncio.Future[Any]"]


class _Steps:
    """Awaits `coro`, adding the time of each step it runs (a resume to its next suspension) to the
    request being served (`_HELD`), if any."""

    __slots__ = ("awaitable",)

    def __init__(self, awaitable: Awaitable[Any]) -> None:
        self.awaitable = awaitable

    def __await__(self) -> Generator[Any, Any, Any]:
        coro: Any = self.awaitable.__await__()  # a coroutine's: send, throw and close, as a generator's
        clock, get_held = time.perf_counter, _HELD.get
        send = coro.send
        value: Any = None
        error: BaseException | None = None
        while True:
            start = clock()
            try:
                out = send(value) if error is None else coro.throw(error)
            except StopIteration as done:
                if (held := get_held()) is not None:
                    held[0] += clock() - start
                return done.value
            except BaseException:
                if (held := get_held()) is not None:
                    held[0] += clock() - start
                raise
            if (held := get_held()) is not None:
                held[0] += clock() - start
            try:
                value, error = (yield out), None
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as thrown:  # a cancellation, or what the task was told to raise
                value, error = None, thrown


def timed(awaitable: Awaitable[Any]) -> _Steps:
    """`awaitable`, its steps timed: `await timed(app(scope, receive, send))`."""
    return _Steps(awaitable)


async def _task(coro: Coroutine[Any, Any, Any]) -> Any:
    return await _Steps(coro)


def _factory(previous: TaskFactory | None) -> TaskFactory:
    def create(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        if _HELD.get() is not None and asyncio.iscoroutine(coro):  # started while serving a request
            coro = _task(coro)
        if previous is not None:
            return previous(loop, coro, **kwargs)
        return asyncio.Task(coro, loop=loop, **kwargs)

    create.lab_previous = previous  # type: ignore[attr-defined]
    return create


def install(loop: asyncio.AbstractEventLoop) -> None:
    """Time the steps of the tasks that requests start on `loop` from now on (the loop's own factory, if
    any, still creates them)."""
    current = loop.get_task_factory()
    if current is None or not hasattr(current, "lab_previous"):
        loop.set_task_factory(_factory(current))


def uninstall(loop: asyncio.AbstractEventLoop) -> None:
    current = loop.get_task_factory()
    if current is not None and hasattr(current, "lab_previous"):
        loop.set_task_factory(current.lab_previous)


def begin() -> list[float]:
    """Start counting the current request's loop time (in its context: the tasks it starts share it)."""
    held = [0.0]
    _HELD.set(held)
    return held


def observe(child: Summary, held: list[float]) -> None:
    """Record the request's loop time in `child` (REQUEST_LOOP's, of its handler), once its app returned."""
    child.observe(held[0])
