"""The foreign apps of tests/data/foreign_app (the lab's generality fixtures) work on their own.

Under plain uvicorn and plain Locust, so that a failure of the lab's generality tests is the lab's, not
the fixture's.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.examples.support import REPO, AppServer, run_plain_locust

pytestmark = pytest.mark.slow

FOREIGN = REPO / "tests" / "data" / "foreign_app"
LOCUSTFILE = FOREIGN / "locustfile.py"
APPS = {"starlette-factory": ("orders_service:make", ("--factory",)), "raw-asgi": ("raw_asgi:app", ())}


@pytest.mark.parametrize("which", list(APPS))
def test_the_locustfile_runs_against_the_app(which: str, tmp_path: Path) -> None:
    app, args = APPS[which]
    with AppServer(app, FOREIGN, tmp_path / "uvicorn.log", args=args) as server:
        for path in ("/ping", "/customers/ada", "/api/v1/orders/7", "/api/v1/orders/7/lines/2"):
            response = httpx.get(server.url + path)
            assert response.status_code == 200, path
        # 4 s: plain Locust's --run-time timer counts from gevent's cached clock, so on a slow machine its
        # run is shorter by the time its start-up blocked the loop (lab.loadgen.clock); 2 s once sent one
        # request a user there, and the order line (one task in four) was not among them.
        run = run_plain_locust(LOCUSTFILE, server.url, tmp_path / "locust", users=2, run_time=4)
    assert run.returncode == 0, run.log
    assert run.failures() == 0, run.log
    assert '"OrderUser": 1, "PingUser": 1' in run.log  # the abstract ApiUser is no scenario
    assert "order line" in run.names()


def test_the_starlette_lifespan_runs_once(tmp_path: Path) -> None:
    log = tmp_path / "lifespan.log"
    server = AppServer("orders_service:make", FOREIGN, tmp_path / "uvicorn.log", args=("--factory",))
    server.env["FOREIGN_LIFESPAN_LOG"] = str(log)
    with server:
        assert httpx.get(f"{server.url}/api/v1/orders/1").json() == {"order_id": 1, "status": "shipped"}
        assert server.process is not None
        pid = server.process.pid
    assert log.read_text().splitlines() == [f"startup {pid}", f"shutdown {pid}"]
