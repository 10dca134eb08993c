"""The app under test: which ASGI app the servers load, and what the lab learnt about it.

`AppTarget` names it as uvicorn would (`MODULE:ATTR`, `--factory`, `--app-dir`) plus the path the lab's
wrapper serves the metrics at. Without `--app` the lab's own catalogue (`CATALOGUE`) is the target. One
model everywhere: a configuration's target (`ServerConfig.target`), the server's (`LAB_APP*`, written
by `ServerConfig.to_env` and read back in each worker), and summary.json's `meta.target`.

`AppInfo` is what `python -m lab.server.appcheck` reports of a target, imported in a process of its own
before any server starts: its routes, each with the kind of its endpoint (`def` runs in the thread pool,
`async def` on the event loop), which the report needs to explain an app the lab has never seen.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import ConfigDict

CATALOGUE_APP = "lab.server.app:create_catalogue"
DEFAULT_METRICS_PATH = "/metrics"

_APP_RE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")

Kind = Literal["def", "async", "unknown"]


class TargetError(ValueError):
    """The target cannot be served: bad spec, import failure, not an ASGI app, metrics-path collision."""


@dataclass(frozen=True)
class AppTarget:
    """The app under test, as uvicorn names it (`MODULE:ATTR`, --factory, --app-dir)."""

    # summary.json validates `meta.target` as this dataclass: unknown keys there are an error.
    __pydantic_config__ = ConfigDict(extra="forbid")

    app: str  # "module:attribute", dots allowed on both sides
    factory: bool = False  # call `app` to get the ASGI app, as uvicorn's --factory (off by default there too)
    app_dir: str | None = None  # put first on sys.path in every worker, as uvicorn's --app-dir
    metrics_path: str = DEFAULT_METRICS_PATH

    def __post_init__(self) -> None:
        if not _APP_RE.match(self.app):
            raise TargetError(f"--app {self.app!r}: expected MODULE:ATTRIBUTE, e.g. myservice.main:app")
        if not self.metrics_path.startswith("/") or any(c in self.metrics_path for c in "?# "):
            raise TargetError(
                f"--metrics-path {self.metrics_path!r}: expected a path like /metrics (no query, no spaces)"
            )

    @property
    def is_catalogue(self) -> bool:
        return self.app == CATALOGUE_APP

    @property
    def label(self) -> str:
        """How reports name it: "catalogue" or the app spec."""
        return "catalogue" if self.is_catalogue else self.app

    def resolved(self, cwd: str | None = None) -> AppTarget:
        """With `app_dir` absolute, relative to `cwd` (default: the current directory, as uvicorn)."""
        base = cwd or os.getcwd()
        app_dir = os.path.abspath(os.path.join(base, self.app_dir or "."))
        return replace(self, app_dir=app_dir)


CATALOGUE = AppTarget(CATALOGUE_APP, factory=True)


def target_from(mapping: Mapping[str, Any]) -> AppTarget:
    """A target from configuration keys (`app`, `factory`, `app_dir`, `metrics_path`); no `app`: catalogue."""
    if not mapping.get("app"):
        return replace(CATALOGUE, metrics_path=str(mapping.get("metrics_path") or DEFAULT_METRICS_PATH))
    return AppTarget(
        app=str(mapping["app"]),
        factory=bool(mapping.get("factory", False)),
        app_dir=str(mapping["app_dir"]) if mapping.get("app_dir") else None,
        metrics_path=str(mapping.get("metrics_path") or DEFAULT_METRICS_PATH),
    )


@dataclass(frozen=True)
class RouteInfo:
    """One route of the app: its template, methods and the kind of its endpoint."""

    path: str
    methods: tuple[str, ...] = ()
    kind: Kind = "unknown"
    name: str = ""
    sync_dependencies: tuple[str, ...] = ()  # `def` dependencies: they borrow thread-pool tokens too

    @property
    def uses_threadpool(self) -> bool:
        return self.kind == "def" or bool(self.sync_dependencies)


@dataclass(frozen=True)
class AppInfo:
    """What the lab learnt of an app by importing it: its type and routes (empty if not introspectable)."""

    app: str
    type: str  # e.g. "fastapi.applications.FastAPI"
    routes: tuple[RouteInfo, ...] = field(default_factory=tuple)
    introspectable: bool = True  # False: a plain ASGI callable, the lab labels requests by bounded raw path

    def route(self, template: str) -> RouteInfo | None:
        return next((r for r in self.routes if r.path == template), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AppInfo:
        routes = tuple(
            RouteInfo(
                path=str(r["path"]),
                methods=tuple(r.get("methods") or ()),
                kind=r.get("kind", "unknown"),
                name=str(r.get("name", "")),
                sync_dependencies=tuple(r.get("sync_dependencies") or ()),
            )
            for r in data.get("routes") or ()
        )
        return cls(
            app=str(data["app"]),
            type=str(data.get("type", "")),
            routes=routes,
            introspectable=bool(data.get("introspectable", True)),
        )
