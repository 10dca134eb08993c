"""A cell's diagnosis, without a server: the demands from a calibration, lab.model's verdict as the cell's
fields, one sentence that says what `binding` says."""

from __future__ import annotations

from typing import Any

import pytest

from lab.compare import diagnosis, explain_app, little
from lab.compare.diagnosis import Calibration, CellLoad, Pools
from lab.compare.report import tables
from lab.compare.results.measured import HandlerRow
from lab.compare.results.summary import Cell, Summary
from lab.model.inputs import Capacity, Demands, paced_think_ms
from lab.shared.provenance import Machine, Meta


def row(handler: str, share: float, ms: float, cpu: float | None, pooled: bool) -> HandlerRow:
    kind = "def" if pooled else "async"
    return HandlerRow(handler=handler, kind=kind, threadpool=pooled, share=share, service_ms=ms, cpu_ms=cpu)


BROWSE = Calibration(  # 70% a def handler, 30% an async one, at one user
    wall_ms=14.0, rps=70.0, requests=140, server_cores=0.2, loop_lag_p99_ms=1.0,
    rows=[row("/items/{id}", 0.7, 10.0, 4.0, True), row("/quotes/{id}", 0.3, 20.0, 8.0, False)],
)  # fmt: skip


def load(**overrides: Any) -> CellLoad:
    values: dict[str, Any] = {
        "users": 20, "rate": None, "think_ms": 0.0, "duration_s": None, "rps": 230.0, "server_cores": 0.95,
        "generator_busiest_cpu": 0.3, "generator_saturated": False, "threadpool_in_use_max": 5.0,
        "threadpool_waiting_max": 0.0, "mean_ms": 80.0,
    }  # fmt: skip
    return CellLoad(**{**values, **overrides})


def test_the_demands_weight_each_handler_by_its_share() -> None:
    d = diagnosis.demands(BROWSE, Pools())
    assert d.wall_ms == 14.0
    assert d.cpu_ms == pytest.approx(0.7 * 4 + 0.3 * 8)  # the server's own CPU per request
    assert d.threadpool_ms == pytest.approx(0.7 * 10)  # only the def handler holds a token
    assert d.loop_ms == 0 and d.db_pool_ms == 0 and d.process_pool_ms == 0
    # The catalogue's pools: a db scenario holds a connection, cpu-process a pool process (and its CPU).
    pooled = diagnosis.demands(BROWSE, Pools(db_pool=5, process_pool=2))
    assert pooled.db_pool_ms == pytest.approx(13.0) and pooled.process_pool_ms == pytest.approx(13.0)
    assert pooled.cpu_ms == pytest.approx(5.2 + 13.0)


def test_without_the_servers_own_cpu_the_outside_reading_counts() -> None:
    blind = Calibration(14.0, 70.0, 140, 0.2, None, [row("/x", 1.0, 10.0, None, True)])
    assert diagnosis.demands(blind, Pools()).cpu_ms == pytest.approx(0.2 / 70 * 1000)


def test_the_catalogues_pooled_handlers() -> None:
    assert all(map(diagnosis.pooled, ["/io/sync", "/io/sync-model", "/cpu/thread", "/background"]))
    assert not any(map(diagnosis.pooled, ["/io/async", "/cpu/async", "/cpu/process", "/db/blocking"]))


def test_a_cpu_bound_cell_binds_the_cpu_and_every_field_agrees() -> None:
    one = diagnosis.demands(BROWSE, Pools())
    found = diagnosis.diagnose(load(), one, Capacity(workers=1, usable_cores=1.0, threadpool=40))
    fields = diagnosis.fields(found, BROWSE.requests)
    assert fields["binding"] == "cpu" and fields["limit"] == "the CPU (1 of 1 worker(s), 1 usable cores)"
    # The bound uses the cell's own CPU per request: 0.95 cores / 230 req/s = 4.13 ms.
    assert fields["ceiling_rps"] == pytest.approx(230 / 0.95, rel=1e-3)
    assert fields["efficiency"] == pytest.approx(0.95, abs=1e-3)
    assert str(fields["bottleneck"]).startswith("the CPU (1 of 1 worker(s), 1 usable cores): min(workers 1")
    assert fields["demands"] == {"wall": 14.0, "cpu": 5.2, "threadpool": 7.0}
    assert set(fields["utilization"]) == {"users", "cpu", "threadpool"}  # type: ignore[arg-type]
    assert fields["calibration_requests"] == 140 and fields["model_rps"]


def test_an_unexplained_cell_gives_its_utilizations_and_how_long_requests_waited() -> None:
    """A def handler behind a connection pool the lab cannot see: 3 connections, 20 ms each."""
    one = Demands(wall_ms=22.0, cpu_ms=1.0, threadpool_ms=21.0)
    cell = load(rps=150.0, server_cores=0.15, mean_ms=133.0, other_cores=1.1)
    found = diagnosis.diagnose(cell, one, Capacity(workers=1, usable_cores=1.5, threadpool=40))
    text = diagnosis.sentence(found)
    assert found.verdict.binding == "unexplained"
    # 20 users against one core at 1 ms a request (the cell's own CPU) sit near the knee: mean value
    # analysis gives 816 req/s, under the users' bound of 909.
    assert text.startswith(
        "unexplained: 0.184 of the ceiling 816 req/s (mean value analysis at 20 users over the same "
        "demands, under the bound users 20 / (R0 22 ms + think 0 ms) = 909.1 req/s)"
    )
    assert "utilization law: users 0.17, cpu 0.15, threadpool 0.08" in text
    assert "requests took 6.0x their time at one user (they queued)" in text
    assert text.endswith("; the machine's other processes used 1.10 cores meanwhile)")


def test_a_paced_user_keeps_its_cycle_in_the_users_bound() -> None:
    """constant_pacing(0.2): 140 ms of think in the cell where responses took 60 ms; at R0 = 12 ms the
    user would have thought 188 ms. A between() user's think time is the cell's as it is."""
    think = paced_think_ms("constant_pacing(0.2)", 140.0, 60.0, 12.0)
    assert think == pytest.approx(188.0)
    assert paced_think_ms("between(0.5, 1.5)", 900.0, 80.0, 8.0) is None
    one = Demands(wall_ms=12.0, cpu_ms=1.0)
    cell = load(rps=95.0, server_cores=0.2, think_ms=140.0, mean_ms=60.0)
    found = diagnosis.diagnose(cell, one, Capacity(workers=1, usable_cores=1.5, threadpool=40), think)
    assert found.verdict.binding == "users" and found.verdict.ceiling_rps == pytest.approx(100)
    assert "think 188 ms" in (found.verdict.ceiling_formula or "")


def test_no_calibration_no_ceiling() -> None:
    assert diagnosis.sentence(None) == diagnosis.NO_CEILING


def test_little_s_law() -> None:
    assert little.concurrency(400.0, 25.0) == pytest.approx(10.0)
    assert little.concurrency(None, 25.0) is None


def test_the_report_explains_each_cell_and_tables_its_handlers_demands() -> None:
    rows = diagnosis.with_calibration(
        [
            HandlerRow(handler=r.handler, kind=r.kind, threadpool=r.threadpool, share=r.share)
            for r in BROWSE.rows
        ]
        + [HandlerRow(handler="/upstream", kind="async", requested=False, server_requests=30)],
        BROWSE,
    )
    assert diagnosis.service_ms(rows) == pytest.approx(0.7 * 10 + 0.3 * 20)
    cell = Cell(
        config="shop", scenario="BrowseUser", server="uvicorn", workers=1, threadpool=40, process_pool=1,
        users=20, repeats=1, status="ok", rps=230.0, mean_ms=80.0, concurrency=18.4, service_ms=13.0,
        binding="cpu", bottleneck="the CPU (1 of 1 worker(s), 1 usable cores): ...", handlers=rows,
    )  # fmt: skip
    (sentence, also) = explain_app.sentences([cell])
    assert sentence.startswith("shop · BrowseUser: 230 req/s x 80 ms mean latency = 18.4 requests in flight")
    assert "time in the server at one user 13 ms" in sentence and "bound by the CPU (1 of 1" in sentence
    assert "/upstream (30)" in also
    (table,) = explain_app.handler_tables([cell])
    assert table.columns[-3:] == ["time ms (1 user)", "CPU ms (1 user)", "loop ms (1 user)"]
    assert table.rows[0][:2] == ["/items/{id}", "def"] and table.rows[0][-3:] == ["10", "4", ""]
    meta = Meta(run_id="x", started="now", machine=Machine(cores=2), users=20, duration_s=2, warmup_s=0)
    assert "Per handler, shop · BrowseUser:" in tables.markdown(Summary(meta=meta, cells=[cell]))


def test_requests_that_queued_outside_the_server_name_the_load_generator() -> None:
    """100 users of a 100 ms `def` handler on 200 tokens: the server's own time stayed at 101 ms, but
    Locust's mean grew to 116 ms (its greenlets on a busy process take bursts of answers one at a time):
    against the users' bound the cell looks unexplained (0.82); with R0 grown by the 14 ms the requests
    spent outside the server beyond one user's, the load generator binds."""
    one = Demands(wall_ms=102.0, cpu_ms=0.5, threadpool_ms=101.0)
    cap = Capacity(workers=1, usable_cores=1.0, threadpool=200)
    outside = load(users=100, rps=790.0, server_cores=0.4, mean_ms=116.0, think_ms=2.0,
                   generator_busiest_cpu=0.6, server_mean_ms=101.5, server_one_ms=101.0)  # fmt: skip
    found = diagnosis.diagnose(outside, one, cap)
    assert found.verdict.binding == "generator"
    assert diagnosis.outside_grown_ms(outside, one) == pytest.approx(116 - 101.5 - (102 - 101))
    assert 0.85 <= (found.verdict.efficiency or 0) <= 1.10
    text = diagnosis.sentence(found)
    assert text.startswith("the load generator: users 100 / (R0 116 ms + think 2 ms)")
    assert "R0 grown by 13.5 ms the requests spent outside the server" in text
    assert "busiest process used 0.60 of a core (more --generator-processes would send more" in text
    # The same throughput with the time spent inside the server (a pool the lab cannot see): unexplained.
    inside = load(users=100, rps=790.0, server_cores=0.4, mean_ms=116.0, think_ms=2.0,
                  generator_busiest_cpu=0.6, server_mean_ms=114.5, server_one_ms=101.0)  # fmt: skip
    assert diagnosis.diagnose(inside, one, cap).verdict.binding == "unexplained"
    # Without the server's own time (an older file), nothing is attributed.
    assert diagnosis.diagnose(load(users=100, rps=790.0, server_cores=0.4, mean_ms=116.0, think_ms=2.0),
                              one, cap).verdict.binding == "unexplained"  # fmt: skip


def test_cpu_bound_threads_sharing_a_gil_while_cores_idle_are_named() -> None:
    """The catalogue's gunicorn-multi cpu-sync as measured (2 workers, 100 users on 2 cores): 55 tokens
    in use at most, the workers on 1.57 of the 1.91 usable cores. With one token in use per worker the
    same words would be wrong: it is not said."""
    one = Demands(wall_ms=12.2, cpu_ms=11.6, threadpool_ms=11.7)
    capacity = Capacity(workers=2, usable_cores=1.907, threadpool=40)
    cell = load(users=100, rps=129.3, server_cores=1.57, threadpool_in_use_max=55.0, other_cores=0.03,
                mean_ms=708.0, duration_s=6.0)  # fmt: skip
    found = diagnosis.diagnose(cell, one, capacity)
    text = diagnosis.sentence(found)
    assert found.verdict.binding == "unexplained"
    assert "; up to 28 threads per worker ran the CPU-bound handler at once, taking turns at its GIL, " in (
        text
    )
    assert "while 0.31 of the usable cores sat idle (fewer threads per worker, e.g. --set threadpool" in text
    alone = diagnosis.diagnose(load(**{**cell.__dict__, "threadpool_in_use_max": 2.0}), one, capacity)
    assert alone.contended is None and "GIL" not in diagnosis.sentence(alone)
    io_bound = diagnosis.diagnose(cell, Demands(wall_ms=100.0, cpu_ms=1.0, threadpool_ms=100.0), capacity)
    assert io_bound.contended is None
