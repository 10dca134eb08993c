"""A user's scenario, handler by handler: the client's request names mapped to the server's route templates.

The server counts every request it serves, including those the app sends to itself (an upstream on the same
server). The client's requests and what it abandoned are compared with the server's requests on the
handlers its names map to; handlers no name maps to are "also served (not requested by the load
generator)" and left out of the comparison. When some names match no route (`name="order line"`), the
comparison falls back to every handler the server served, and the flag says so (issue 11 §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.compare.results.measured import HandlerRow
from lab.measure.routes import Router, router
from lab.measure.scrape import ServerWindow
from lab.runtime.headless import LoadResult
from lab.shared.scenarios import Scenario
from lab.shared.target import AppInfo

APP_KINDS = ("custom", "endpoint")  # scenarios of a user's app: the catalogue's model does not apply


def is_app_scenario(scenario: Scenario) -> bool:
    return scenario.kind in APP_KINDS


@dataclass(frozen=True)
class Breakdown:
    rows: list[HandlerRow]  # requested handlers first, by server requests; then the others
    unmapped: list[str]  # request names (with a request or an abandoned one) that match no route
    compared: int  # the server's requests that client requests + abandoned are compared with


def router_for(info: AppInfo | None, window: ServerWindow) -> Router:
    routes = [(r.path, r.methods) for r in info.routes] if info is not None else []
    return router(routes, served=window.handlers)


def breakdown(load: LoadResult, window: ServerWindow, info: AppInfo | None) -> Breakdown:
    """The rows of one run: every handler the server served, and every one the client's names map to."""
    routes = router_for(info, window)
    client: dict[str, tuple[int, int]] = {}
    unmapped: list[str] = []
    for row in load.names:
        template = routes.template(row.name, row.method)
        if template is None:
            if row.requests or row.abandoned:
                unmapped.append(row.name)
            continue
        requests, abandoned = client.get(template, (0, 0))
        client[template] = (requests + row.requests, abandoned + row.abandoned)
    served = {h: round(w.requests) for h, w in window.handlers.items()}
    requested_total = sum(served.get(h, 0) for h in client)
    rows = []
    for handler in [*client, *(h for h in served if h not in client)]:
        route = info.route(handler) if info is not None else None
        measured = window.handlers.get(handler)
        requests, abandoned = client.get(handler, (0, 0))
        rows.append(
            HandlerRow(
                handler=handler,
                kind=route.kind if route is not None else "unknown",
                threadpool=route.uses_threadpool if route is not None else False,
                requested=handler in client,
                client_requests=requests,
                abandoned=abandoned,
                server_requests=served.get(handler, 0),
                mean_ms=measured.mean_ms if measured else None,
                p95_ms=measured.p95_ms if measured else None,
                share=round(served.get(handler, 0) / requested_total, 4)
                if handler in client and requested_total
                else None,
            )
        )
    rows.sort(key=lambda r: (not r.requested, -r.server_requests))
    compared = int(window.requests) if unmapped else requested_total
    return Breakdown(rows, sorted(set(unmapped)), compared)


def service(window: ServerWindow) -> dict[str, float]:
    """Each handler's server-side mean latency in a run at one user: its service time."""
    return {h: w.mean_ms for h, w in window.handlers.items() if w.mean_ms is not None}
