"""The lab's wrapper around the app under test: what every server process actually serves.

`uvicorn --factory lab.server.wrap:create_app` (and gunicorn's and granian's equivalents, see
`lab.runtime.launcher`) loads the app named by `LAB_APP*` (the lab's catalogue unless told otherwise) and
wraps it, outside, without changing it:

- HTTP metrics by route template (`lab.server.instrumentation`), resolved against the app's own routes;
- the Prometheus exposition at `LAB_METRICS_PATH` (default /metrics), every series labelled `config`;
- at lifespan startup, before the app's own: the configuration's thread-pool size, dead-worker handling
  in multiprocess mode, the event-loop lag probe, the CPU/memory sampler and the task factory that times
  the tasks a request starts (lab.server.loop_time); once the app's startup has completed,
  `lab_server_info` (the launcher counts it to know every worker is ready); after the app's shutdown, the
  probes stop.

The app's lifespan runs once per worker, as it would without the lab: its messages pass through. An app
that does not speak the lifespan protocol (it raises on it before starting up) is treated as uvicorn
treats it in its default `auto` mode: the server goes on, and the wrapper completes the protocol itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import anyio.to_thread
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lab.server import exposition, loop_time, metrics, probes
from lab.server.instrumentation import instrumented
from lab.server.loading import load, routing_app
from lab.server.settings import AppSettings, multiprocess_dir
from lab.shared import multiproc


class _Probes:
    """The lab's per-worker machinery, started before the app's lifespan and stopped after it."""

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self.sampler: probes.ResourceSampler | None = None
        self.loop_probe: asyncio.Task[None] | None = None

    async def start(self) -> None:
        settings = self.settings
        # Applied inside this worker's event loop, where `def` endpoints borrow their threads.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.serving.threadpool
        directory = multiprocess_dir()
        if directory:
            multiproc.mark_dead_workers(directory)
        self.sampler = probes.ResourceSampler(settings.sample_interval_s)
        self.sampler.start()
        self.loop_probe = asyncio.create_task(probes.loop_probe(settings.loop_lag_interval_s))
        if settings.instrument:  # each request's loop time (lab.server.loop_time), from here on
            loop_time.install(asyncio.get_running_loop())

    def announce(self) -> None:
        """This worker is ready: export `lab_server_info`."""
        s = self.settings.serving
        metrics.SERVER_INFO.labels(
            config=s.name, server=s.server, workers=str(s.workers), threadpool=str(s.threadpool),
            loop=s.loop, http=s.http, process_pool=str(s.process_pool), app=s.target().label,
        ).set(1)  # fmt: skip

    async def stop(self) -> None:
        loop_time.uninstall(asyncio.get_running_loop())
        metrics.publish_served()
        if self.loop_probe is not None:
            self.loop_probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.loop_probe
            self.loop_probe = None
        if self.sampler is not None:
            await asyncio.to_thread(self.sampler.stop)
            self.sampler = None


class LabApp:
    """An ASGI app: the app under test, instrumented, with the lab's metrics path and probes."""

    def __init__(self, app: ASGIApp, settings: AppSettings) -> None:
        self.app = app  # the app under test, unchanged
        self.settings = settings
        self.metrics_path = settings.target.metrics_path
        self.probes = _Probes(settings)
        self.http: ASGIApp = (
            instrumented(app, routing_app(app), excluded=self.metrics_path) if settings.instrument else app
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] == self.metrics_path:
            await self._metrics(scope, send)
        else:
            await self.http(scope, receive, send)

    async def _metrics(self, scope: Scope, send: Send) -> None:
        # Rendered on the loop on purpose: a starved thread pool must not delay scrapes (a blocked loop
        # still does, truly).
        body = exposition.render(self.settings.serving.name, multiprocess_dir())
        headers = [(b"content-type", CONTENT_TYPE_LATEST.encode()), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = {"started": False, "answered": False}

        async def app_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup" and not state["started"]:
                await self.probes.start()
                state["started"] = True
            return message

        async def app_send(message: Message) -> None:
            kind = message["type"]
            if kind == "lifespan.startup.complete":
                self.probes.announce()
            if kind.startswith("lifespan.startup."):
                state["answered"] = True
            if kind in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self.probes.stop()
            await send(message)

        try:
            await self.app(scope, app_receive, app_send)
        except Exception:
            if state["answered"]:
                raise
            # The app does not do lifespan: go on without it, as uvicorn's `auto` mode does.
            await self._own_lifespan(receive, send, state["started"])

    async def _own_lifespan(self, receive: Receive, send: Send, started: bool) -> None:
        if not started:
            message = await receive()
            assert message["type"] == "lifespan.startup", message
            await self.probes.start()
        self.probes.announce()
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown", message
        await self.probes.stop()
        await send({"type": "lifespan.shutdown.complete"})


def wrap(app: Any, settings: AppSettings | None = None) -> LabApp:
    return LabApp(app, settings or AppSettings())


def create_app() -> LabApp:
    """The app `LAB_APP` names (the catalogue by default), wrapped; what every server process loads."""
    settings = AppSettings()
    return wrap(load(settings.target), settings)
