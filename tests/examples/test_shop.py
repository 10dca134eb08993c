"""The example service (examples/shop) under a real uvicorn, and its locustfile under plain Locust.

Nothing of the lab is in either process: this is the app and the locustfile a user brings. The tests use
real servers rather than `TestClient`: the quote endpoint calls the server it runs in, which only a
listening server can answer (and Starlette's TestClient warns it is deprecated with httpx).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.examples.support import EXAMPLES, AppServer, run_plain_locust

pytestmark = pytest.mark.slow

LOCUSTFILE = EXAMPLES / "shop" / "locustfile.py"
DB_LATENCY_MS = 20
UPSTREAM_LATENCY_MS = 20


def shop(tmp: Path, *, app: str = "shop.app:app", args: tuple[str, ...] = (), **env: str) -> AppServer:
    """The shop under plain uvicorn; `env` are its SHOP_* settings (lower-case names, without the prefix)."""
    settings = {f"SHOP_{k.upper()}": v for k, v in env.items()}
    ready = lambda url: httpx.get(f"{url}/items/1", timeout=2).status_code == 200  # noqa: E731
    return AppServer(app, EXAMPLES, tmp / "uvicorn.log", args=args, env=settings, ready=ready)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    tmp = tmp_path_factory.mktemp("shop")
    with shop(tmp, db_latency_ms=str(DB_LATENCY_MS), upstream_latency_ms=str(UPSTREAM_LATENCY_MS)) as running:
        yield running


def test_an_item_with_its_reviews(server: AppServer) -> None:
    response = httpx.get(f"{server.url}/items/1")
    assert response.status_code == 200
    item = response.json()
    assert set(item) == {"id", "name", "category", "price_cents", "stock", "reviews", "rating"}
    assert item["id"] == 1
    assert (item["rating"] is None) == (item["reviews"] == 0)


def test_a_page_of_items_and_a_category(server: AppServer) -> None:
    page = httpx.get(f"{server.url}/items", params={"limit": 5, "offset": 10})
    assert page.status_code == 200
    assert [item["id"] for item in page.json()] == [11, 12, 13, 14, 15]
    books = httpx.get(f"{server.url}/items", params={"category": "books", "limit": 100})
    assert books.status_code == 200
    assert books.json()
    assert {item["category"] for item in books.json()} == {"books"}


@pytest.mark.parametrize(
    ("path", "status"),
    [("/items/999999", 404), ("/items/0", 422), ("/items/abc", 422), ("/items?limit=101", 422)],
)
def test_bad_item_requests(server: AppServer, path: str, status: int) -> None:
    response = httpx.get(server.url + path)
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"detail": "item 999999 not found"}


@pytest.mark.serial
def test_def_queries_run_side_by_side_in_the_thread_pool(server: AppServer) -> None:
    """32 concurrent queries, each holding its thread for DB_LATENCY_MS: a connection each, no shared lock."""
    n = 32

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            return await asyncio.gather(*(client.get(f"/items/{i}") for i in range(1, n + 1)))

    started = time.perf_counter()
    responses = asyncio.run(burst())
    elapsed = time.perf_counter() - started
    assert [r.status_code for r in responses] == [200] * n
    assert [r.json()["id"] for r in responses] == list(range(1, n + 1))
    serial = n * DB_LATENCY_MS / 1000
    assert elapsed < serial / 2, f"{n} queries: {elapsed:.3f} s, one by one {serial:.2f} s"


def test_a_quote_comes_from_the_upstream_over_http(server: AppServer) -> None:
    response = httpx.get(f"{server.url}/quotes/7")
    assert response.status_code == 200
    quote = response.json()
    price = httpx.get(f"{server.url}/upstream/price/7").json()
    assert {k: quote[k] for k in price} == price
    assert quote["upstream_ms"] >= UPSTREAM_LATENCY_MS  # measured around the call, which waits that long
    unknown = httpx.get(f"{server.url}/quotes/999999")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "item 999999 not found"}


def test_an_unreachable_upstream_is_a_502(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with shop(tmp_path, upstream_url=nobody) as server:
        response = httpx.get(f"{server.url}/quotes/1")
    assert response.status_code == 502
    assert "pricing service unreachable" in response.json()["detail"]


def test_the_lifespan_runs_once_per_worker(tmp_path: Path) -> None:
    """Two workers of the factory: each seeds its own database at startup, removes it at shutdown."""
    log = tmp_path / "lifespan.log"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()

    def lines() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    server = shop(
        tmp_path, app="shop.app:create_app", args=("--factory", "--workers", "2"), lifespan_log=str(log)
    )
    server.env["TMPDIR"] = str(tmpdir)
    server.ready = lambda url: len(lines()) == 2 and httpx.get(f"{url}/items/1").status_code == 200
    with server:
        started = lines()
        assert len(list(tmpdir.glob("shop-*/shop.sqlite3"))) == 2
        workers = server.tree()[1:]
    assert all(re.fullmatch(r"startup \d+", line) for line in started)
    pids = sorted(int(line.split()[1]) for line in started)
    assert len(set(pids)) == 2
    assert set(pids) <= set(workers)
    ended = lines()[2:]
    assert sorted(line.split()[0] for line in ended) == ["shutdown", "shutdown"]
    assert sorted(int(line.split()[1]) for line in ended) == pids
    assert list(tmpdir.iterdir()) == []


def test_the_locustfile_runs_headless_without_failures(server: AppServer, tmp_path: Path) -> None:
    # 2 s: the 3 users spawn within 1 s (-r 3); the shopper sends a request every 10-50 ms meanwhile.
    run = run_plain_locust(LOCUSTFILE, server.url, tmp_path, users=3, run_time=2)
    assert run.returncode == 0, run.log
    assert run.failures() == 0, run.log
    assert '"BrowseUser": 1, "ItemUser": 1, "QuoteUser": 1' in run.log
    names = run.names()
    # BrowseUser names its requests by template; ItemUser and QuoteUser leave one row per URL.
    assert {"/items", "/items/{item_id}", "/quotes/{item_id}"} <= names
    assert any(re.fullmatch(r"/items/\d+", name) for name in names)
    assert any(re.fullmatch(r"/quotes/\d+", name) for name in names)
