"""A user's app, never seen by the lab, served through the wrapper by real servers (issue 11, §2).

The apps are written here into a temporary directory, so nothing of them is in the lab's package: a
FastAPI app with a lifespan that logs startup and shutdown per pid, an included router with a path
parameter, a mounted Starlette sub-app and a lifespan state; and a plain ASGI callable with no lifespan.
"""

from __future__ import annotations

import textwrap
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from lab.runtime.launcher import Server
from lab.server.instrumentation import RAW_PATH_LABELS
from lab.shared.configs import ServerConfig
from lab.shared.target import AppTarget
from tests.conftest import free_port
from tests.metrics_support import samples

pytestmark = pytest.mark.slow

SERVICE = """
import contextlib, os
from fastapi import APIRouter, FastAPI, Request
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

LOG = os.environ["SVC_LOG"]

def note(what):
    with open(LOG, "a") as handle:
        handle.write(f"{what} {os.getpid()}\\n")

@contextlib.asynccontextmanager
async def lifespan(app):
    note("startup")
    yield {"greeting": "hello"}
    note("shutdown")

router = APIRouter(prefix="/items")

@router.get("/{item_id}")
def item(item_id: int, request: Request):
    return {"id": item_id, "greeting": request.state.greeting}

async def hello(request):
    return PlainTextResponse("hi " + request.path_params["name"])

app = FastAPI(lifespan=lifespan)
app.include_router(router)
app.mount("/sub", Starlette(routes=[Route("/hello/{name}", hello)]))

@app.get("/async/{item_id}")
async def async_item(item_id: int):
    return {"id": item_id}
"""

RAW = """
async def app(scope, receive, send):
    assert scope["type"] == "http", "no lifespan here"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": scope["path"].encode()})
"""


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "svc.py").write_text(textwrap.dedent(SERVICE))
    (tmp_path / "rawapp.py").write_text(textwrap.dedent(RAW))
    return tmp_path


def _handlers(url: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for labels, value in samples(url, "http_requests_total"):
        counts[labels["handler"]] += int(value)
    return counts


@pytest.mark.parametrize("config", ["uvicorn-single", "gunicorn-multi", "granian"])
def test_user_app_lifespan_per_worker_and_route_templates(
    catalogue: dict[str, ServerConfig],
    app_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    config: str,
) -> None:
    log = tmp_path / "lifespan.log"
    monkeypatch.setenv("SVC_LOG", str(log))
    target = AppTarget("svc:app", factory=False, app_dir=str(app_dir))
    server = Server(catalogue[config], port=free_port(), log=tmp_path / "server.log", target=target)
    with server:
        pids = {int(p) for p in server.live_worker_pids()}
        assert len(pids) == server.workers
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for i in range(6):
                body = client.get(f"/items/{i}").json()
                assert body == {"id": i, "greeting": "hello"}  # the lifespan state reached the handler
            assert client.get("/sub/hello/bob").text == "hi bob"
            assert client.get("/async/7").json() == {"id": 7}
            assert client.get("/no/such/path").status_code == 404
        handlers = _handlers(server.url)
        assert handlers == {"/items/{item_id}": 6, "/sub/hello/{name}": 1, "/async/{item_id}": 1, "none": 1}
        info = samples(server.url, "lab_server_info")
        assert {labels["app"] for labels, _ in info} == {"svc:app"}
    lines = log.read_text().split()
    events = Counter(zip(lines[::2], (int(p) for p in lines[1::2]), strict=True))
    # Each worker ran the app's startup and its shutdown exactly once; no other process ran them.
    assert {pid for _, pid in events} == pids
    assert events == Counter({(what, pid): 1 for pid in pids for what in ("startup", "shutdown")})


def test_plain_asgi_app_without_lifespan_gets_bounded_raw_path_labels(
    catalogue: dict[str, ServerConfig], app_dir: Path, tmp_path: Path
) -> None:
    target = AppTarget("rawapp:app", factory=False, app_dir=str(app_dir))
    with Server(
        catalogue["uvicorn-single"], port=free_port(), log=tmp_path / "s.log", target=target
    ) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for i in range(150):
                assert client.get(f"/p/{i}").text == f"/p/{i}"
        handlers = _handlers(server.url)
    assert sum(handlers.values()) == 150
    # The first RAW_PATH_LABELS (100) distinct paths keep their own label, the rest share "other".
    assert handlers["other"] == 150 - RAW_PATH_LABELS
    assert len(handlers) == RAW_PATH_LABELS + 1


def test_metrics_path_moves(catalogue: dict[str, ServerConfig], app_dir: Path, tmp_path: Path) -> None:
    target = AppTarget("rawapp:app", factory=False, app_dir=str(app_dir), metrics_path="/lab-metrics")
    with Server(
        catalogue["uvicorn-single"], port=free_port(), log=tmp_path / "s.log", target=target
    ) as server:
        assert server.metrics_url.endswith("/lab-metrics")
        assert httpx.get(server.url + "/metrics", timeout=10).text == "/metrics"  # the app's own path
        text = httpx.get(server.metrics_url, timeout=10).text
        assert "lab_server_info" in text
        deadline = time.monotonic() + 10
        while "lab_event_loop_lag_seconds_count" not in text and time.monotonic() < deadline:
            time.sleep(0.2)
            text = httpx.get(server.metrics_url, timeout=10).text
        assert "lab_event_loop_lag_seconds_count" in text  # the probes run for an app without lifespan
