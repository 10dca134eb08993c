"""An app the lab has never seen, without a server: names mapped to handlers, the counts reconciled."""

from __future__ import annotations

from lab.compare import handlers
from lab.compare.results import flags
from lab.compare.results.summary import Cell
from lab.compare.run import record
from lab.measure.cell import Measurement
from lab.measure.handlers import HandlerWindow
from lab.measure.scrape import ServerWindow
from lab.runtime.headless import LoadResult
from lab.runtime.locust_stats import NameStats
from lab.shared.target import AppInfo, RouteInfo

SHOP = AppInfo(
    app="shop.app:app",
    type="fastapi.applications.FastAPI",
    routes=(
        RouteInfo("/items", ("GET",), "def"),
        RouteInfo("/items/{item_id}", ("GET",), "def"),
        RouteInfo("/quotes/{item_id}", ("GET",), "async"),
        RouteInfo("/upstream/price/{item_id}", ("GET",), "async"),
        RouteInfo("/deps", ("GET",), "async", sync_dependencies=("get_db",)),
    ),
)


def load(names: list[NameStats]) -> LoadResult:
    requests = sum(n.requests for n in names)
    return LoadResult(
        requests=requests, failures=0, duration_s=2.0, rps=requests / 2, p50_ms=10, p95_ms=20, p99_ms=30,
        generator_cpu=0.3, generator_saturated=False, window=(0.0, 2.0),
        abandoned=sum(n.abandoned for n in names), mean_ms=12.0, names=names,
    )  # fmt: skip


def window(served: dict[str, tuple[float, float]]) -> ServerWindow:
    """handler -> (requests, mean ms)."""
    return ServerWindow(
        cpu_s=1.0, window_s=3.0, cores=0.5, requests=sum(n for n, _ in served.values()),
        loop_lag_p99_ms=2.0, threadpool_in_use_max=4, threadpool_waiting_max=0,
        process_pool_pending_max=0, workers_busy=1.0,
        handlers={h: HandlerWindow(n, ms, ms * 2) for h, (n, ms) in served.items()},
    )  # fmt: skip


def test_a_quote_user_s_self_calls_are_reported_and_not_counted() -> None:
    names = [NameStats(f"/quotes/{i}", "GET", 100, 0, 5.0, abandoned=1) for i in range(5)]
    served = window({"/quotes/{item_id}": (505, 4.0), "/upstream/price/{item_id}": (505, 1.0)})
    split = handlers.breakdown(load(names), served, SHOP)
    assert split.compared == 505 and not split.unmapped
    quotes, upstream = split.rows
    assert (quotes.handler, quotes.requested, quotes.client_requests, quotes.abandoned) == (
        "/quotes/{item_id}", True, 500, 5,
    )  # fmt: skip
    assert quotes.share == 1.0 and quotes.kind == "async" and not quotes.threadpool
    assert (upstream.handler, upstream.requested, upstream.share) == (
        "/upstream/price/{item_id}",
        False,
        None,
    )
    run = record.measured(Measurement(load(names), served), 2.0, split)
    assert run.reconciled and run.unaccounted == 0 and run.server_requests == 1010
    cell = Cell(config="u", scenario="QuoteUser", server="uvicorn", workers=1, threadpool=40, process_pool=1,
                users=10, repeats=1, status="ok", **run.model_dump())  # fmt: skip
    assert (
        flags.counts(cell) == "500 + 5 = 505" and flags.also_served(cell) == "/upstream/price/{item_id} 505"
    )


def test_unmapped_names_compare_every_handler_and_the_flag_says_so() -> None:
    names = [
        NameStats("/items/3", "GET", 30, 0, 5.0),
        NameStats("order line", "GET", 10, 0, 5.0, abandoned=2),
    ]
    served = window({"/items/{item_id}": (30, 4.0), "/line/{x}": (5, 4.0)})
    split = handlers.breakdown(load(names), served, SHOP)
    assert split.unmapped == ["order line"] and split.compared == 35
    run = record.measured(Measurement(load(names), served), 2.0, split)
    assert not run.reconciled and run.unaccounted == -5  # 5 fewer than Locust reported
    cell = Cell(config="u", scenario="OrderUser", server="uvicorn", workers=1, threadpool=40, process_pool=1,
                users=10, repeats=1, status="ok", **run.model_dump())  # fmt: skip
    (sentence,) = flags.sentences(cell)
    assert "'order line' match no route" in sentence and "every handler" in sentence
