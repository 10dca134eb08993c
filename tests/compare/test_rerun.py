"""lab.compare.rerun: the model's view of a cell and the rerun `--verify` predicts for it (no processes)."""

from __future__ import annotations

import pytest

from lab.compare import rerun
from lab.compare.results.verified import Rerun, sentence
from tests.compare.support import cell


def _view(made: object, db_pool: int = 10) -> rerun.View:
    found = rerun.view(made, db_pool=db_pool, cores=2, pinned=False)  # type: ignore[arg-type]
    assert isinstance(found, rerun.View), found
    return found


def test_a_starved_thread_pool_is_bound_by_its_tokens_and_doubling_them_doubles_the_ceiling() -> None:
    found = _view(cell("threadpool-starved", "io-sync", 38.0, threadpool=4, users=16, server_cores=0.1))
    assert found.binding == "threadpool"
    made = rerun.prediction(found)
    assert not isinstance(made, str)
    assert (made.knob, made.before, made.after, made.binding) == ("threadpool", 4, 8, "threadpool")
    assert made.rps == pytest.approx(80.0)  # 8 tokens / 100 ms; the users (16 / 100 ms) allow 160


def test_a_db_pool_counts_only_where_the_scenario_holds_a_connection() -> None:
    stored = {"binding": "db_pool", "demands": {"wall": 100.0, "db_pool": 100.0}, "usable_cores": 1.8}
    found = _view(cell("uvicorn-single", "db-async", 48.0, users=20, ms=100, **stored), db_pool=5)
    assert found.binding == "db_pool" and found.capacity.db_pool == 5
    made = rerun.prediction(found)
    assert not isinstance(made, str) and (made.knob, made.after, made.rps) == ("db_pool", 10, 100.0)
    assert _view(cell("uvicorn-single", "io-async", 190.0, users=20), db_pool=5).capacity.db_pool is None


def test_cpu_work_on_one_worker_asks_for_two_up_to_the_usable_cores() -> None:
    """0.9 cores for 80 req/s: 11.25 ms of CPU a request, measured in the cell itself; Locust used 0.1 of
    the 2 cores (1.25 ms a request), 1.9 usable. Two workers would serve more, and Locust would take
    more of the cores it shares with them: X = 2 cores / (11.25 + 1.25 ms) = 160 req/s, where it leaves
    the server 1.8. Pinned apart, the server's cores stay its own: 1.9 / 11.25 ms."""
    busy = cell("gunicorn-multi[workers=1]", "cpu-sync", 80.0, users=8, server_cores=0.9, usable_cores=1.9,
                generator_cpu=0.1)  # fmt: skip
    found = _view(busy)
    assert found.binding == "cpu" and found.capacity.usable_cores == 1.9
    assert found.demands.cpu_ms == pytest.approx(11.25) and found.generator_ms == pytest.approx(1.25)
    made = rerun.prediction(found)
    assert not isinstance(made, str) and made.knob == "workers" and made.after == 2
    assert made.rps == pytest.approx(2 / (11.25e-3 + 1.25e-3), rel=1e-6) and made.binding == "cpu"
    assert made.capacity.usable_cores == pytest.approx(2 - made.rps * 1.25e-3)
    pinned = rerun.view(busy, db_pool=10, cores=2, pinned=True)
    assert isinstance(pinned, rerun.View)
    alone = rerun.prediction(pinned)
    assert not isinstance(alone, str) and alone.rps == pytest.approx(1.9 / 11.25e-3)


def test_without_usable_cores_measured_what_locust_left_counts() -> None:
    found = _view(cell("gunicorn-multi[workers=1]", "cpu-sync", 80.0, users=8, usable_cores=None))
    assert found.capacity.usable_cores == pytest.approx(2 - 0.2)


def test_the_rerun_is_judged_with_the_cells_demands_and_its_own_cpu() -> None:
    found = _view(cell("threadpool-starved", "io-sync", 38.0, threadpool=4, users=16, server_cores=0.1))
    made = rerun.prediction(found)
    assert not isinstance(made, str)
    again = cell("threadpool-starved[threadpool=8]", "io-sync", 76.0, threadpool=8, users=16,
                 server_cores=0.2, demands={}, binding=None)  # fmt: skip
    seen = rerun.after(found, made, again)
    assert isinstance(seen, rerun.View) and seen.binding == "threadpool"
    assert seen.capacity.threadpool == 8 and seen.demands.threadpool_ms == found.demands.threadpool_ms


@pytest.mark.parametrize(
    ("made", "why"),
    [
        ({"status": "failed", "error": "port busy"}, "did not run"),
        ({"demands": {}}, "no demands measured at one user"),
        ({"binding": None}, "no demands measured at one user"),
    ],
)
def test_a_cell_without_a_view_says_why(made: dict[str, object], why: str) -> None:
    found = rerun.view(cell(**made), db_pool=10, cores=2, pinned=False)  # type: ignore[arg-type]
    assert isinstance(found, str) and why in found


def test_generator_and_unexplained_name_no_knob() -> None:
    found = _view(cell("uvicorn-single", "io-sync", 100.0, users=100))
    for binding in ("generator", "unexplained"):
        made = rerun.prediction(rerun.View(binding, found.demands, found.capacity, found.load, 2, False))
        assert made == f"{binding} names no knob"


def test_a_workers_rerun_whose_work_stayed_on_one_worker_says_so() -> None:
    """Measured on gunicorn, cpu-sync, 8 users: 1 -> 2 workers predicted 170 req/s, measured 83, the
    rerun's CPU on 1.04 of its 2 workers (the users' connections all accepted by one)."""
    figures = Rerun(binding="cpu", knob="workers", before=1, after=2, rps=85.3, predicted_rps=170.3,
                    predicted_binding="cpu", measured_rps=82.9, rerun_workers_busy=1.04)  # fmt: skip
    text = sentence("g · cpu-sync", "refuted", figures)
    assert text.endswith(
        "refuted (the rerun's work went to 1.04 of its 2 workers: Locust's keep-alive connections stay on "
        "the worker that accepted them)"
    )
    spread = figures.model_copy(update={"rerun_workers_busy": 1.9, "measured_rps": 160.0})
    assert sentence("g · cpu-sync", "confirmed", spread).endswith("0.94 of the prediction: confirmed")


def test_the_sentence_gives_both_numbers_and_the_verdict() -> None:
    figures = Rerun(binding="threadpool", knob="threadpool", before=4, after=8, rps=86.0, predicted_rps=172.0,
                    predicted_binding="threadpool", measured_rps=95.0,
                    rerun_binding="unexplained")  # fmt: skip
    text = sentence("starved · Trader", "refuted", figures)
    assert text == (
        "starved · Trader: bound by threadpool at 86 req/s; threadpool 4 -> 8: predicted 172 req/s "
        "(threadpool binding then), measured 95 req/s (unexplained binding), 0.55 of the prediction: refuted"
    )
    none = Rerun(binding="unexplained", reason="unexplained names no knob")
    assert sentence("a · b", "not verifiable", none) == (
        "a · b: bound by unexplained, not verifiable (unexplained names no knob)"
    )
    calibration_off = Rerun(reason="no demands measured at one user")
    assert sentence("a · b", "not verifiable", calibration_off) == (
        "a · b: not verifiable (no demands measured at one user)"
    )


def test_cpu_threads_contending_for_the_gil_are_rerun_with_one_thread_per_worker() -> None:
    """The catalogue's gunicorn-multi cpu-sync as measured: unexplained at 0.83 of the CPU's bound, up to
    27 threads per worker busy, 0.3 of the usable cores idle. The rerun: one token per worker, predicted
    at the CPU's bound (the cell's 12.5 ms a request on the cores Locust leaves); verified as "gil"."""
    stored = {
        "binding": "unexplained", "demands": {"wall": 12.2, "cpu": 11.6, "threadpool": 11.7},
        "usable_cores": 1.88, "server_cores": 1.57, "threadpool_in_use_max": 55.0, "other_cores": 0.01,
        "generator_cpu": 0.12,
    }  # fmt: skip
    found = _view(cell("gunicorn-multi", "cpu-sync", 125.6, workers=2, users=100, **stored))
    assert found.binding == "unexplained" and found.contended
    made = rerun.prediction(found)
    assert not isinstance(made, str)
    assert (made.knob, made.before, made.after, made.binding, made.verifies) == (
        "threadpool",
        40,
        1,
        "cpu",
        "gil",
    )
    # The cores Locust leaves at the predicted rate (0.12 cores at 125.6 req/s: 0.955 ms a request).
    assert made.rps == pytest.approx(2 / (1.57 / 125.6 + 0.12 / 125.6), rel=1e-6)
    # With one busy thread per worker the same cell names no knob, as every unexplained cell.
    alone = _view(
        cell(
            "gunicorn-multi",
            "cpu-sync",
            125.6,
            workers=2,
            users=100,
            **{**stored, "threadpool_in_use_max": 2.0},
        )
    )
    assert not alone.contended and rerun.prediction(alone) == "unexplained names no knob"
    text = sentence("gunicorn-multi · cpu-sync", "confirmed", Rerun(
        binding="gil", knob="threadpool", before=40, after=1, point="gunicorn-multi[threadpool=1]", rps=125.6,
        predicted_rps=150.4, predicted_binding="cpu", measured_rps=136.6, rerun_binding="cpu",
    ))  # fmt: skip
    assert text.startswith(
        "gunicorn-multi · cpu-sync: bound by gil at 125.6 req/s; threadpool 40 -> 1: predicted"
    )
