"""Import the app under test as uvicorn would, and read what it routes.

`load` follows uvicorn's rules for `MODULE:ATTR`, `--factory` and `--app-dir` (the directory goes first on
`sys.path`), and checks that what it got is an ASGI application. `routes` walks a Starlette or FastAPI
app's routes (included routers and mounts too) and tells, for each endpoint, whether it is `def` (run in
the thread pool) or `async def` (run on the event loop): the lab's report explains an app it has never
seen from that. A plain ASGI callable has no routes to read.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import traceback
from collections.abc import Iterator
from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from lab.shared.target import AppInfo, AppTarget, Kind, RouteInfo, TargetError


def _import_error(target: AppTarget, exc: BaseException) -> TargetError:
    # The user's frames only: importlib's own say nothing about their code.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<frozen")]
    frames = [f for f in frames if f.filename != __file__ and f.filename != importlib.__file__]
    tail = "".join(traceback.format_list(frames[-5:])).rstrip()
    path = "\n  ".join(p or "(current directory)" for p in sys.path[:8])
    return TargetError(
        f"--app {target.app}: cannot import it: {type(exc).__name__}: {exc}\n{tail + chr(10) if tail else ''}"
        f"sys.path was (first entries):\n  {path}\n(--app-dir DIR puts DIR first)"
    )


def _is_async_callable(obj: Any) -> bool:
    while isinstance(obj, functools.partial):
        obj = obj.func
    if inspect.isclass(obj):  # FastAPI itself has an async __call__: its instances are the apps
        return False
    return inspect.iscoroutinefunction(obj) or (
        callable(obj) and inspect.iscoroutinefunction(getattr(obj, "__call__", None))  # noqa: B004
    )


def _no_required_arguments(obj: Any) -> bool:
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters)


def _what(obj: Any) -> str:
    kind = type(obj)
    name = getattr(obj, "__qualname__", None)
    return f"{name} (a {kind.__name__})" if name else f"a {kind.__module__}.{kind.__qualname__}"


def load(target: AppTarget) -> Any:
    """The ASGI app `target` names; TargetError with the reason (import error and sys.path included)."""
    if target.app_dir and target.app_dir not in sys.path:
        sys.path.insert(0, target.app_dir)
    module_name, _, attrs = target.app.partition(":")
    try:
        module = importlib.import_module(module_name)
    except BaseException as exc:  # a module may raise anything, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _import_error(target, exc) from None
    obj: Any = module
    for attr in attrs.split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise TargetError(
                f"--app {target.app}: module {module_name!r} ({getattr(module, '__file__', '?')}) has no "
                f"attribute {attrs!r}"
            ) from None
    if target.factory:
        if not callable(obj):
            raise TargetError(f"--app {target.app} --factory: {type(obj).__name__} is not callable")
        try:
            obj = obj()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise _import_error(target, exc) from None
    if not _is_async_callable(obj):
        hint = ""
        if callable(obj) and not target.factory and _no_required_arguments(obj):
            hint = " (it takes no arguments: if it builds the app, add --factory)"
        raise TargetError(
            f"--app {target.app}: {_what(obj)} is not an ASGI app "
            f"(an async callable taking scope, receive, send){hint}"
        )
    return obj


def routing_app(app: Any, depth: int = 10) -> Any | None:
    """The object holding the routes: the app, or the app inside middleware that wraps it (`.app`)."""
    for _ in range(depth):
        if isinstance(getattr(app, "routes", None), list):
            return app
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


def _effective(routes: list[BaseRoute]) -> Iterator[Any]:
    """Routes as matched, FastAPI's included routers flattened (as prometheus-fastapi-instrumentator does)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for context in contexts():
                yield getattr(context, "starlette_route", None) or context
        else:
            yield route


def _sync_dependencies(route: Any) -> tuple[str, ...]:
    """Names of the route's `def` dependencies (FastAPI runs those in the thread pool too)."""
    names: set[str] = set()
    stack = list(getattr(getattr(route, "dependant", None), "dependencies", None) or ())
    while stack:
        dependant = stack.pop()
        call = getattr(dependant, "call", None)
        if call is not None and not (_is_async_callable(call) or inspect.isasyncgenfunction(call)):
            names.add(getattr(call, "__name__", type(call).__name__))
        stack.extend(getattr(dependant, "dependencies", None) or ())
    return tuple(sorted(names))


def _kind(endpoint: Any) -> Kind:
    if endpoint is None:
        return "unknown"
    if inspect.isclass(endpoint):  # a Starlette HTTPEndpoint: each method decides
        return "unknown"
    return "async" if _is_async_callable(endpoint) else "def"


def _walk(routes: list[BaseRoute], prefix: str) -> Iterator[RouteInfo]:
    for route in _effective(routes):
        if isinstance(route, Mount):
            inner = route.routes
            if inner:
                yield from _walk(list(inner), prefix + route.path)
            else:
                yield RouteInfo(path=prefix + route.path, kind="unknown", name=route.name or "")
            continue
        path = getattr(route, "path", None)
        if path is None:
            continue
        endpoint = getattr(route, "endpoint", None)
        methods = tuple(sorted(getattr(route, "methods", None) or ()))
        kind: Kind = _kind(endpoint) if isinstance(route, Route) or hasattr(route, "dependant") else "unknown"
        yield RouteInfo(
            path=prefix + path,
            methods=methods,
            kind=kind,
            name=str(getattr(route, "name", "") or ""),
            sync_dependencies=_sync_dependencies(route),
        )


def describe(target: AppTarget, app: Any) -> AppInfo:
    owner = routing_app(app)
    kind = f"{type(app).__module__}.{type(app).__qualname__}"
    if owner is None:
        return AppInfo(app=target.app, type=kind, routes=(), introspectable=False)
    return AppInfo(app=target.app, type=kind, routes=tuple(_walk(list(owner.routes), "")))


def _routed(routes: list[BaseRoute], scope: Scope) -> str | None:
    """The template of the route that fully matches `scope`, mounts followed; None if none does."""
    for route in _effective(routes):
        match, child = route.matches(scope)
        if match != Match.FULL:
            continue
        if isinstance(route, Mount):
            if not route.routes:  # an opaque app: only a mount below the root claims the path for sure
                if route.path:
                    return route.path
                continue
            inner = _routed(list(route.routes), {**scope, **child})
            if inner is not None:
                return route.path + inner
            continue
        return str(getattr(route, "path", route))
    return None


def check_metrics_path(target: AppTarget, app: Any) -> None:
    """TargetError when the app itself routes the path the lab would serve its metrics at."""
    owner = routing_app(app)
    if owner is None:
        return
    for method in ("GET", "HEAD"):
        scope = {"type": "http", "path": target.metrics_path, "root_path": "", "method": method}
        template = _routed(list(owner.routes), scope)
        if template is not None:
            raise TargetError(
                f"the app already routes {target.metrics_path} (route {template}); serve the lab's metrics "
                "elsewhere with --metrics-path, e.g. --metrics-path /lab-metrics"
            )
