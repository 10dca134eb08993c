"""The sentences under the charts: the right numbers, the right direction, nothing about failed cells."""

from __future__ import annotations

from lab.compare import explain
from lab.compare.report import internals
from lab.shared.timeline import HistoryPoint
from tests.compare.support import cell, failed, history


def points(p95: list[float]) -> list[HistoryPoint]:
    return [HistoryPoint.model_validate(row) for row in history(p95)]


def test_async_io_against_sync_io_names_the_tokens_that_cap_sync() -> None:
    cells = [cell("uvicorn-single", "io-sync", 380.0), cell("uvicorn-single", "io-async", 912.0)]

    [sentence] = explain.pairs(cells)

    assert sentence.startswith("async I/O served 2.4x the requests of sync I/O on uvicorn-single")
    assert "the 40 thread-pool tokens cap sync I/O at 400 req/s with 100 ms sleeps" in sentence


def test_sync_io_with_more_tokens_than_users_is_not_blamed_on_tokens() -> None:
    cells = [
        cell("tuned", "io-sync", 950.0, threadpool=200),
        cell("tuned", "io-async", 960.0, threadpool=200),
    ]

    [sentence] = explain.pairs(cells)

    assert "about the same on tuned (960 vs 950 req/s)" in sentence
    assert "cap" not in sentence.split(";")[0]


def test_tokens_of_several_workers_are_counted() -> None:
    cells = [
        cell("multi", "io-sync", 700.0, workers=2, threadpool=4),
        cell("multi", "io-async", 900.0, workers=2),
    ]

    [sentence] = explain.pairs(cells)

    assert "the 2 workers x 4 thread-pool tokens cap sync I/O at 80 req/s" in sentence


def test_a_loss_against_the_model_is_reported_in_its_direction() -> None:
    cells = [cell("gm", "cpu-sync", 160.0, workers=2), cell("gm", "cpu-process", 100.0, workers=2)]

    [sentence] = explain.pairs(cells)

    assert sentence.startswith("sync CPU work served 1.6x the requests of CPU work in a process pool on gm")
    assert "(160 vs 100 req/s)" in sentence
    # cpu-sync: 2 workers on the CPU, 200 req/s; cpu-process: 2 x (1 + 2) processes on 4 cores, 400 req/s.
    assert (
        "the model allows 400 req/s for cpu-process" in sentence
        and "against 200 req/s for cpu-sync" in sentence
    )


def test_process_pool_win_quotes_both_ceilings() -> None:
    cells = [cell("gm", "cpu-sync", 180.0, workers=2), cell("gm", "cpu-process", 290.0, workers=2)]

    [sentence] = explain.pairs(cells)

    assert "CPU work in a process pool served 1.6x the requests of sync CPU work on gm" in sentence
    assert "min(workers 2, usable cores 4) / CPU / 10 ms" in sentence
    assert "min(workers 2 x (1 + process_pool 2), usable cores 4) / CPU / 10 ms" in sentence


def test_no_pair_sentence_when_one_side_failed_or_is_missing() -> None:
    cells = [failed("u", "io-sync", "server died"), cell("u", "io-async", 900.0), cell("u", "cpu-sync", 90.0)]

    assert explain.pairs(cells) == []


def test_winners_ranks_configurations_and_skips_failed_ones() -> None:
    cells = [
        cell("a", "io-sync", 100.0),
        cell("b", "io-sync", 300.0),
        cell("c", "io-sync", 150.0),
        failed("d", "io-sync", "port busy"),
    ]

    [sentence] = explain.winners(cells)

    assert sentence.startswith("io-sync: b served the most, 300 req/s, 2.0x the next, c (150)")
    assert "3.0x the least, a (100)" in sentence
    assert "(d failed: not compared)" in sentence


def test_winners_says_when_configurations_tie() -> None:
    cells = [cell("a", "io-async", 900.0), cell("b", "io-async", 950.0)]

    assert explain.winners(cells) == ["io-async: every configuration within 10% (900 to 950 req/s)"]


def test_winners_needs_two_measured_cells() -> None:
    assert explain.winners([cell("a", "io-sync"), failed("b", "io-sync", "x")]) == []


def test_thread_pool_waiting() -> None:
    cells = [
        cell("threadpool-starved", "io-sync", 38.0, threadpool=4, threadpool_waiting_max=96.0,
             threadpool_in_use_max=4.0),
        cell("threadpool-starved", "io-async", 700.0, threadpool=4),
    ]  # fmt: skip

    sentences = internals.threadpool(cells)

    assert (
        "On threadpool-starved, io-sync requests waited for one of 4 tokens (up to 96 waiting, 4 in use)"
        in sentences
    )
    assert "io-async never held a thread-pool token: their handlers run on the event loop" in sentences


def test_generator_saturation_and_efficiency() -> None:
    cells = [
        cell("u", "io-async", 410.0, generator_saturated=True, generator_cpu=0.95),
        cell("u", "io-sync", 164.0, threadpool_waiting_max=60.0, threadpool_in_use_max=40.0),
        cell("u", "cpu-sync", 98.0, server_cores=0.98),
        failed("v", "io-sync", "boom"),
    ]

    assert explain.generator(cells) == [
        "Locust used 0.95 cores in cell u · io-async: that cell measures the load generator, not the server"
    ]
    [sentence] = explain.efficiency(cells)
    # 100 users, 40 tokens over 100 ms: the pool's 400 req/s; 164 is unexplained, the pool measured full.
    assert sentence.startswith(
        "efficiency 0.41 on u · io-sync (164 of 400 req/s): unexplained: 0.41 of the ceiling 400 req/s "
        "(workers 1 x tokens 40 / 100 ms) and no resource near saturation (utilization law: users 0.16, "
        "cpu 0.03, threadpool 0.41; measured: threadpool 1.00; threadpool measured 2.4x fuller than its "
        "demand explains)"
    ), sentence


def test_efficiency_above_the_ceiling_says_the_model_does_not_fit() -> None:
    [sentence] = explain.efficiency([cell("u", "io-sync", 600.0)])

    assert sentence.startswith("efficiency 1.5 on u · io-sync (600 of 400 req/s): the thread pool")
    assert "(above the ceiling: the model does not describe this cell)" in sentence


def test_spread_of_repeated_runs() -> None:
    cells = [
        cell("u", "io-sync", 360.0, repeats=3, rps_runs=[340.0, 360.0, 380.0], rps_spread=40 / 360),
        cell("u", "io-async", 900.0, repeats=3, rps_runs=[890.0, 900.0, 910.0], rps_spread=20 / 900),
    ]

    [sentence] = explain.spread(cells)

    assert sentence.startswith(
        "3 runs per cell; the widest req/s spread was 11% on u · io-sync (340 to 380 req/s)"
    )
    assert explain.spread([cell()]) == []


def test_latency_uses_littles_law_on_the_worst_cell() -> None:
    cells = [
        cell("a", "io-sync", 40.0, threadpool=4, p95_ms=2600.0, p50_ms=2200.0),
        cell("b", "io-sync", 380.0),
    ]

    [sentence] = explain.latency(cells)

    assert sentence.startswith("io-sync: p95 2600 ms on a, 7.6x the 342 ms of b")
    assert "100 users / 40 req/s = 2500 ms per request on average (p50 measured 2200 ms)" in sentence
    assert sentence.endswith("most of it is waiting in a queue, not work")


def test_loop_lag_names_the_blocking_cell() -> None:
    cells = [cell("u", "io-blocking", 9.6, loop_lag_p99_ms=2210.0), cell("u", "io-async", 900.0)]

    assert internals.loop_lag(cells) == [
        "Event-loop lag p99 reached 2210 ms on u · io-blocking: "
        "a blocking sleep in async def holds the loop for the whole sleep"
    ]
    assert internals.loop_lag([cell("u", "io-async", 900.0)]) == [
        "Event-loop lag p99 stayed below 20 ms in every cell (highest 5 ms on u · io-async)"
    ]


def test_over_time_spots_a_spike_and_a_rising_queue() -> None:
    cells = [cell("u", "io-sync"), cell("u", "io-async"), cell("u", "cpu-sync")]
    histories = {
        ("u", "io-sync"): points([100, 100, 900, 100, 100]),
        ("u", "io-async"): points([100, 110, 120, 200, 300]),
        ("u", "cpu-sync"): points([100, 100]),  # too short to judge
    }

    spike, rising = internals.over_time(cells, histories)

    assert spike == "p95 spiked to 900 ms on u · io-sync (median 100 ms)"
    assert rising.startswith(
        "p95 was still rising at the end of u · io-async (105 ms in the first half, 300 ms"
    )


def test_failed_cells_never_lend_their_numbers() -> None:
    broken = failed("ghost", "io-sync", "the server exited with code 1")
    broken = broken.model_copy(
        update={"rps": 12345.0, "p95_ms": 54321.0, "efficiency": 0.01, "threadpool_waiting_max": 77.0,
                "loop_lag_p99_ms": 999.0, "generator_saturated": True}
    )  # fmt: skip
    cells = [broken, cell("real", "io-sync", 380.0), cell("real", "io-async", 900.0)]

    sentences = (
        explain.pairs(cells) + explain.winners(cells) + explain.latency(cells)
        + explain.generator(cells) + explain.efficiency(cells) + internals.threadpool(cells)
        + internals.loop_lag(cells) + explain.spread(cells)
        + internals.over_time(cells, {("ghost", "io-sync"): points([1, 2, 3, 40000])})
    )  # fmt: skip

    text = " ".join(sentences)
    assert sentences
    for number in ("12345", "54321", "0.01", "77", "999", "40000"):
        assert number not in text


def test_winners_says_tie_when_the_intervals_of_repeated_runs_overlap() -> None:
    cells = [
        cell("uvicorn-single", "io-async", 950.0, rps_ci=[800.0, 1000.0]),
        cell("gunicorn-multi", "io-async", 700.0, workers=4, rps_ci=[650.0, 820.0]),
    ]
    assert explain.winners(cells) == [
        "io-async: uvicorn-single and gunicorn-multi tie, their 95% intervals of req/s overlap"
    ]
    apart = [cells[0], cells[1].model_copy(update={"rps_ci": [650.0, 750.0]})]
    assert explain.winners(apart)[0].startswith("io-async: uvicorn-single served the most")
