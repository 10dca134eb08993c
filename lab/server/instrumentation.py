"""HTTP metrics through prometheus-fastapi-instrumentator, with the lab's declarations, on a lean path.

Only the two metrics the lab reads are recorded (the instrumentator's defaults add request and response
size summaries and a second high-resolution histogram), plus an in-flight gauge declared once in
`lab.server.metrics` so that several apps in one process share it.

The instrumentator's own middleware costs about a third of the throughput of a zero-work endpoint
(bench/instrumentation.py, docs/bench.md): per request it builds a Request, a Response and an Info, walks
every route to find the template, looks up each metric's child by its label values and awaits
`asyncio.gather()` over no coroutines. `LabInstrumentatorMiddleware` keeps the instrumentator's route
resolution, exclusion and grouping rules and the collectors its metric functions declared, resolves them
once per path, and per request only updates three cached children.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from timeit import default_timer
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, Summary
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lab.server import demand, loop_time, metrics

# Routes are resolved once per (root_path, method, path). A path parameter makes every URL a new key, so
# past this many keys lookups are no longer stored: memory stays bounded, metrics stay right.
ROUTE_CACHE_SIZE = 1024
# An app without routes to read (a plain ASGI callable) is labelled by raw path: the first this many
# distinct paths keep theirs, the rest share "other", so a path parameter cannot grow the series unbounded.
RAW_PATH_LABELS = 100
OTHER = "other"


def collector(function: Callable[..., Any] | None) -> Any:
    """The collector an instrumentator metric function (`metrics.requests()`, `.latency()`) updates.

    `lab.server.metrics` declares the HTTP metrics through those functions; the lean path needs the collectors
    themselves to keep each label set's child instead of looking it up on every request. The functions
    keep it in their closure as `METRIC` (the version is pinned in constraints.txt); should that change,
    the app fails at creation, it does not go unmeasured.
    """
    code = getattr(function, "__code__", None)
    cells = dict(
        zip(code.co_freevars if code else (), getattr(function, "__closure__", None) or (), strict=True)
    )
    metric = cells["METRIC"].cell_contents if "METRIC" in cells else None
    if not isinstance(metric, Counter | Histogram):
        raise TypeError(f"{function!r} is not a prometheus-fastapi-instrumentator metric function")
    return metric


@dataclass(slots=True)
class _Route:
    """A resolved route's label values and the children they select."""

    handler: str  # route template, or "none" when no route matches
    method: str
    inprogress: Gauge
    duration: Histogram
    cpu: Histogram  # lab.server.demand.REQUEST_CPU's child
    loop: Summary  # lab.server.loop_time.REQUEST_LOOP's child
    requests: dict[int, Counter] = field(default_factory=dict)  # by status code


class LabInstrumentatorMiddleware(PrometheusInstrumentatorMiddleware):
    """The instrumentator's middleware with a lean `__call__`: same collectors, labels and rules.

    Records `http_requests_total{handler,method,status}`, `http_request_duration_seconds{handler,method}`
    (the collectors of `lab.server.metrics.HTTP_REQUESTS` and `HTTP_LATENCY`) and
    `lab.server.metrics.HTTP_INPROGRESS`.
    """

    def __init__(
        self,
        app: ASGIApp,
        /,
        *,
        requests_total: Counter,
        duration: Histogram,
        inprogress: Gauge,
        routes_from: Any = None,
        **kwargs: Any,
    ) -> None:
        # Given no instrumentations the base class would declare its default metrics: one it never calls.
        super().__init__(app, instrumentations=[_not_called], **kwargs)
        self._requests_total = requests_total
        self._duration = duration
        self._inprogress = inprogress
        self._routes: dict[tuple[str, str, str], _Route | None] = {}
        # Outside the app (lab.server.wrap), the routes are read from the object that holds them; inside
        # it (`add_middleware`) from the scope's `app`, as the instrumentator does.
        self._routes_from = routes_from
        self._raw_paths: set[str] = set()

    def _handler(self, scope: Scope) -> tuple[str, bool]:
        if self._routes_from is None:
            return self._get_handler(Request(scope))
        if self._routes_from is False:  # no routes to read: a bounded raw path
            path = scope["path"]
            if path not in self._raw_paths and len(self._raw_paths) < RAW_PATH_LABELS:
                self._raw_paths.add(path)
            return (path if path in self._raw_paths else OTHER), True
        return self._get_handler(Request({**scope, "app": self._routes_from}))

    def _route(self, scope: Scope) -> _Route | None:
        """This request's labels and children, None when excluded; resolved once per path and method."""
        key = (scope.get("root_path", ""), scope["method"], scope["path"])
        try:
            return self._routes[key]
        except KeyError:
            pass
        handler, is_templated = self._handler(scope)
        route = None
        if not self._is_handler_excluded(handler, is_templated):
            if not is_templated and self.should_group_untemplated:
                handler = "none"
            method = scope["method"]
            route = _Route(
                handler,
                method,
                self._inprogress.labels(method=method, handler=handler),
                self._duration.labels(handler=handler, method=method),
                demand.REQUEST_CPU.labels(handler=handler),
                loop_time.REQUEST_LOOP.labels(handler=handler),
            )
        if len(self._routes) < ROUTE_CACHE_SIZE:
            self._routes[key] = route
        return route

    def _requests_child(self, route: _Route, status: int) -> Counter:
        label = f"{status // 100}xx" if self.should_group_status_codes else str(int(status))
        child = self._requests_total.labels(handler=route.handler, method=route.method, status=label)
        route.requests[status] = child
        return child

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = default_timer()
        cpu = demand.started()
        route = self._route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return

        status = 500  # what is counted when the app raises before it starts a response
        held = loop_time.begin()
        counted = False

        def count() -> None:
            nonlocal counted
            if not counted:
                counted = True
                counter = route.requests.get(status)
                if counter is None:
                    counter = self._requests_child(route, status)
                counter.inc()
                metrics.SERVED[0] += 1

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Counted before its last bytes leave, not after: a worker killed in between would have
                # answered a request it never counted (CI: 2271 counted, 2272 answered). Killed now, it
                # counts one its client saw fail, which Locust counts too (as a failure).
                count()
            await send(message)

        route.inprogress.inc()
        try:
            await loop_time.timed(self.app(scope, receive, send_wrapper))
        finally:
            # Like the instrumentator: the whole response, streaming included.
            route.duration.observe(max(default_timer() - start, 0.0))
            demand.observe(route.cpu, cpu)
            loop_time.observe(route.loop, held)
            route.inprogress.dec()
            count()  # a response never finished (the app raised) is counted once here


def _not_called(info: Any) -> None:
    raise AssertionError("LabInstrumentatorMiddleware updates its collectors itself")


def _middleware_kwargs(excluded: str) -> dict[str, Any]:
    instrumentator = Instrumentator(
        excluded_handlers=[f"^{re.escape(excluded)}$"], should_group_status_codes=True
    )
    return {
        "requests_total": collector(metrics.HTTP_REQUESTS),
        "duration": collector(metrics.HTTP_LATENCY),
        "inprogress": metrics.HTTP_INPROGRESS,
        "should_group_status_codes": instrumentator.should_group_status_codes,
        "should_ignore_untemplated": instrumentator.should_ignore_untemplated,
        "should_group_untemplated": instrumentator.should_group_untemplated,
        "excluded_handlers": instrumentator.excluded_handlers,
    }


def instrument(app: Starlette, excluded: str = "/metrics") -> None:
    """Record the HTTP metrics of `lab.server.metrics` for every route but `excluded`, statuses grouped."""
    app.add_middleware(LabInstrumentatorMiddleware, **_middleware_kwargs(excluded))


def instrumented(app: ASGIApp, routes_from: Any, excluded: str = "/metrics") -> ASGIApp:
    """`app` wrapped from outside, its routes read from `routes_from` (None: a plain ASGI app, raw paths)."""
    return LabInstrumentatorMiddleware(
        app, routes_from=False if routes_from is None else routes_from, **_middleware_kwargs(excluded)
    )
