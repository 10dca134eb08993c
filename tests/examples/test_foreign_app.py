"""The foreign apps of tests/data/foreign_app (the lab's generality fixtures) work on their own.

Under plain uvicorn and plain Locust, so that a failure of the lab's generality tests is the lab's, not
the fixture's. The two apps are loaded at once (one load's time, and one turn of the suite's load lock,
for both); each by its own Locust, on its own server.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.examples.support import REPO, AppServer, PlainLocust, run_plain_locust

pytestmark = pytest.mark.slow

FOREIGN = REPO / "tests" / "data" / "foreign_app"
LOCUSTFILE = FOREIGN / "locustfile.py"
APPS = {"starlette-factory": ("orders_service:make", ("--factory",)), "raw-asgi": ("raw_asgi:app", ())}
PATHS = ("/ping", "/customers/ada", "/api/v1/orders/7", "/api/v1/orders/7/lines/2")


def _spawned(out_dir: Path, running: concurrent.futures.Future[PlainLocust]) -> None:
    """Until the Locust writing into `out_dir` is a child of this process (or its run has ended): once it
    is, this test holds the suite's load lock, and a second Locust started from another thread does not
    wait for it (tests/load_lock.py takes the lock once per test, at its first load)."""
    deadline = time.monotonic() + 60
    while not running.done() and time.monotonic() < deadline:
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if str(out_dir / "stats") in child.cmdline():
                    return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[dict[str, int], PlainLocust]]]:
    """app -> (the status of each of PATHS, its Locust run), both runs at once."""
    tmp = tmp_path_factory.mktemp("foreign")
    with contextlib.ExitStack() as stack:
        servers = {
            which: stack.enter_context(AppServer(app, FOREIGN, tmp / f"{which}.log", args=args))
            for which, (app, args) in APPS.items()
        }
        answers = {
            which: {path: httpx.get(server.url + path).status_code for path in PATHS}
            for which, server in servers.items()
        }
        # 5 s: plain Locust's --run-time timer counts from gevent's cached clock, so on a slow machine its
        # run is shorter by the time its start-up blocked the loop (lab.loadgen.clock); 2 s once sent one
        # request a user there, and the order line (one task in four) was not among them. One alone ran
        # 4 s; two starting at once on 2 cores block longer, hence 1 s more.
        with concurrent.futures.ThreadPoolExecutor(len(APPS)) as pool:
            futures = {}
            for which, server in servers.items():
                out = tmp / which
                futures[which] = pool.submit(
                    run_plain_locust, LOCUSTFILE, server.url, out, users=2, run_time=5
                )
                _spawned(out, futures[which])
            results = {which: future.result() for which, future in futures.items()}
    yield {which: (answers[which], results[which]) for which in APPS}


@pytest.mark.parametrize("which", list(APPS))
def test_the_locustfile_runs_against_the_app(
    which: str, runs: dict[str, tuple[dict[str, int], PlainLocust]]
) -> None:
    answers, run = runs[which]
    assert answers == dict.fromkeys(PATHS, 200)
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
