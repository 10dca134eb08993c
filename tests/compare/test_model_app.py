"""An app the lab has never seen, without a server: names mapped to handlers, the counts reconciled, the
ceiling from the handlers' kinds, the binding resource from the internals, the report's sentences."""

from __future__ import annotations

from typing import Any

import pytest

from lab.compare import explain_app, handlers, model_app
from lab.compare.report import tables
from lab.compare.results import flags
from lab.compare.results.summary import Cell, HandlerRow, Summary
from lab.compare.run import record
from lab.measure.handlers import HandlerWindow
from lab.measure.scrape import ServerWindow
from lab.runtime.headless import LoadResult
from lab.runtime.locust_stats import NameStats
from lab.shared.provenance import Machine, Meta
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
    run = record.measured(load(names), served, split)
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
    run = record.measured(load(names), served, split)
    assert not run.reconciled and run.unaccounted == -5  # 5 fewer than Locust reported
    cell = Cell(config="u", scenario="OrderUser", server="uvicorn", workers=1, threadpool=40, process_pool=1,
                users=10, repeats=1, status="ok", **run.model_dump())  # fmt: skip
    (sentence,) = flags.sentences(cell)
    assert "'order line' match no route" in sentence and "every handler" in sentence


def rows(**service: Any) -> list[HandlerRow]:
    """A BrowseUser-like mix: 70% /items/{item_id} (def), 20% quotes (async), 10% /items (def)."""
    mix = [("/items/{item_id}", "def", 0.7), ("/quotes/{item_id}", "async", 0.2), ("/items", "def", 0.1)]
    found = [HandlerRow(handler=h, kind=k, threadpool=k == "def", share=s, server_requests=int(s * 1000))
             for h, k, s in mix]  # fmt: skip
    found.append(HandlerRow(handler="/upstream/price/{item_id}", kind="async", requested=False))
    return model_app.with_service(found, {"/items/{item_id}": 10.0, "/quotes/{item_id}": 30.0, "/items": 20.0,
                                          "/upstream/price/{item_id}": 25.0, **service})  # fmt: skip


def test_the_ceiling_of_a_mix_weights_the_thread_pool_time_by_the_shares() -> None:
    mixed = rows()
    assert model_app.service_ms(mixed) == pytest.approx(0.7 * 10 + 0.2 * 30 + 0.1 * 20)  # 15 ms
    four = model_app.ceiling(mixed, users=100, workers=1, threadpool=4)
    assert four is not None and four.limit == "the thread pool (1 x 4 tokens)"
    assert four.rps == pytest.approx(4 / ((0.7 * 10 + 0.1 * 20) / 1000))  # 444 req/s, < 100 / 15 ms
    assert "0.70 x 10 ms /items/{item_id} + 0.10 x 20 ms /items" in four.formula
    many = model_app.ceiling(mixed, users=10, workers=2, threadpool=40)
    assert many is not None and many.limit.startswith("the users") and many.rps == pytest.approx(10 / 0.015)
    assert model_app.ceiling(rows(**{"/items/{item_id}": None}), users=1, workers=1, threadpool=1) is None


def test_one_def_handler_is_capped_by_workers_x_tokens_over_its_service_time() -> None:
    one = [HandlerRow(handler="/items/{item_id}", kind="def", threadpool=True, share=1.0, service_ms=10.0)]
    found = model_app.ceiling(one, users=20, workers=2, threadpool=4)
    assert found is not None and found.rps == pytest.approx(800)
    assert found.formula == "workers 2 x tokens 4 / 10 ms (/items/{item_id}, def)"


def app_cell(**overrides: Any) -> Cell:
    values: dict[str, Any] = {
        "config": "shop-4-tokens", "scenario": "ItemUser", "server": "uvicorn", "workers": 1, "threadpool": 4,
        "process_pool": 1, "users": 20, "repeats": 1, "status": "ok", "rps": 380.0, "mean_ms": 52.0,
        "threadpool_in_use_max": 4.0, "threadpool_waiting_max": 16.0, "server_cores": 0.6,
        "loop_lag_p99_ms": 3.0, "generator_saturated": False, "service_ms": 10.5, "concurrency": 19.8,
        "ceiling_rps": 381.0, "ceiling_formula": "workers 1 x tokens 4 / 10.5 ms (/items/{item_id}, def)",
        "efficiency": 0.997, "handlers": [HandlerRow(handler="/items/{item_id}", kind="def", threadpool=True,
                                                     share=1.0, server_requests=760, service_ms=10.5)],
    }  # fmt: skip
    return Cell.model_validate({**values, **overrides})


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({}, "the thread pool (all 4 tokens of a worker in use, up to 16 requests waiting"),
        ({"generator_saturated": True}, "the load generator"),
        ({"threadpool_waiting_max": 0.0, "server_cores": 0.95}, "CPU (the server used 0.95 cores"),
        ({"threadpool_waiting_max": 0.0, "loop_lag_p99_ms": 12.0}, "the event loop (blocked: lag p99 12 ms"),
        ({"threadpool_waiting_max": 0.0}, "the users (closed loop: 19.8 requests in flight"),
        ({"threadpool_waiting_max": 0.0, "workers": 2, "server_cores": 1.5}, "the users"),
    ],
)  # fmt: skip
def test_the_binding_resource_is_named_from_the_internals(overrides: dict[str, Any], named: str) -> None:
    assert model_app.bottleneck(app_cell(**overrides), cores=2).startswith(named)


def test_little_s_law() -> None:
    assert model_app.concurrency(400.0, 25.0) == pytest.approx(10.0)
    assert model_app.concurrency(None, 25.0) is None


def test_the_report_explains_each_cell_and_tables_several_handlers() -> None:
    cell = app_cell(handlers=rows(), bottleneck="the thread pool (all 4 tokens of a worker in use)")
    (sentence, also) = explain_app.sentences([cell])
    assert sentence.startswith("shop-4-tokens · ItemUser: 380 req/s x 52 ms mean latency = 19.8 requests")
    assert "service time at one user 10.5 ms" in sentence and "binding resource: the thread pool" in sentence
    assert "also served (not requested by the load generator" in also and "/upstream/price/{item_id}" in also
    (table,) = explain_app.handler_tables([cell])
    assert [r[0] for r in table.rows][-1] == "/upstream/price/{item_id} (also served)"
    assert table.rows[0][:2] == ["/items/{item_id}", "def"] and table.rows[0][5] == "70%"
    meta = Meta(run_id="x", started="now", machine=Machine(cores=2), users=20, duration_s=2, warmup_s=0)
    text = tables.markdown(Summary(meta=meta, cells=[cell]))
    assert "binding resource: the thread pool" in text and "Per handler, shop-4-tokens · ItemUser:" in text
