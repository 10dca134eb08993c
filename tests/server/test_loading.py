"""Loading the app under test as uvicorn would, and reading what it routes (lab.server.loading)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.server.loading import check_metrics_path, describe, load
from lab.shared.target import AppTarget, TargetError

APP = """
from fastapi import APIRouter, Depends, FastAPI
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

def get_db():
    yield "db"

async def get_user():
    return "user"

router = APIRouter(prefix="/items")

@router.get("/{item_id}")
def read_item(item_id: int, db: str = Depends(get_db)):
    return {}

@router.post("/")
async def create_item(user: str = Depends(get_user)):
    return {}

async def hello(request):
    return PlainTextResponse("hi")

def sync_hello(request):
    return PlainTextResponse("hi")

app = FastAPI()
app.include_router(router)
app.mount("/sub", Starlette(routes=[Route("/hello/{name}", hello), Route("/sync", sync_hello)]))
wrapped = GZipMiddleware(app)

def make():
    return app

not_an_app = 42
"""


@pytest.fixture
def app_dir(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "userapp_loading.py").write_text(textwrap.dedent(APP))
    saved = list(sys.path)
    yield tmp_path
    sys.path[:] = saved
    sys.modules.pop("userapp_loading", None)


def test_routes_and_kinds_through_routers_mounts_and_middleware(app_dir: Path) -> None:
    for spec, factory in (("userapp_loading:app", False), ("userapp_loading:wrapped", False),
                          ("userapp_loading:make", True)):  # fmt: skip
        target = AppTarget(spec, factory=factory, app_dir=str(app_dir))
        info = describe(target, load(target))
        routes = {r.path: r for r in info.routes}
        assert routes["/items/{item_id}"].kind == "def"
        assert routes["/items/{item_id}"].sync_dependencies == ("get_db",)  # a `def` generator: a thread too
        assert routes["/items/"].kind == "async" and routes["/items/"].sync_dependencies == ()
        assert not routes["/items/"].uses_threadpool
        assert routes["/sub/hello/{name}"].kind == "async"
        assert routes["/sub/sync"].kind == "def"
        assert info.introspectable


def test_bad_targets_say_why(app_dir: Path) -> None:
    with pytest.raises(TargetError, match=r"has no attribute 'nope'"):
        load(AppTarget("userapp_loading:nope", factory=False, app_dir=str(app_dir)))
    with pytest.raises(TargetError, match=r"is not an ASGI app"):
        load(AppTarget("userapp_loading:not_an_app", factory=False, app_dir=str(app_dir)))
    with pytest.raises(TargetError, match=r"add --factory"):
        load(AppTarget("userapp_loading:make", factory=False, app_dir=str(app_dir)))
    with pytest.raises(TargetError, match=r"No module named 'no_such_module_x'[\s\S]*sys.path was"):
        load(AppTarget("no_such_module_x:app", factory=False, app_dir=str(app_dir)))
    with pytest.raises(TargetError, match=r"MODULE:ATTRIBUTE"):
        AppTarget("no colon here")


def test_metrics_path_collision_is_refused_and_named(app_dir: Path) -> None:
    target = AppTarget("userapp_loading:app", factory=False, app_dir=str(app_dir))
    app = load(target)
    check_metrics_path(target, app)  # /metrics is free
    for path, route in (("/items/3", "/items/{item_id}"), ("/sub/hello/x", "/sub/hello/{name}")):
        clash = AppTarget(target.app, False, target.app_dir, metrics_path=path)
        with pytest.raises(TargetError, match=rf"already routes {path} \(route {route}\).*--metrics-path"):
            check_metrics_path(clash, app)
