"""lab.compare.results.sweeps on synthetic cells: curves per swept key, the knee, the sentence."""

from __future__ import annotations

import pytest

from lab.compare.report import diff
from lab.compare.results import flags, sweeps
from tests.compare.support import cell, failed, summary


def _threadpool(value: int, rps: float, p95: float, **extra: object) -> object:
    return cell(
        f"uvicorn-single[threadpool={value}]", "io-sync", rps, threadpool=value, p95_ms=p95,
        swept={"threadpool": str(value), **extra},  # type: ignore[dict-item]
    )  # fmt: skip


def test_the_knee_is_the_smallest_value_at_95_percent_and_p95_flat() -> None:
    cells = [_threadpool(v, rps, p95) for v, rps, p95 in [(80, 970, 110), (10, 100, 100), (40, 500, 105),
                                                          (160, 1000, 108)]]  # fmt: skip
    (curve,) = sweeps.curves(cells, {"threadpool": ["10", "40", "80", "160"]})  # type: ignore[arg-type]
    assert [p.value for p in curve.points] == ["10", "40", "80", "160"]  # numeric order
    assert curve.enough() is not None and curve.enough().value == "80"  # type: ignore[union-attr]
    assert curve.doubling() is None
    sentence = sweeps.advice(curve)
    assert sentence.startswith("threadpool 80 serves 97% of the best io-sync throughput on uvicorn-single")
    assert "p95 never more than doubles" in sentence


def test_the_value_past_which_p95_more_than_doubles_is_named() -> None:
    cells = [
        cell("uvicorn-single", "io-sync", rps, users=u, p95_ms=p95, swept={"users": str(u)})
        for u, rps, p95 in [(10, 100, 100), (50, 400, 120), (100, 410, 250)]
    ]
    (curve,) = sweeps.curves(cells, {"users": ["10", "50", "100"]})
    assert curve.enough().value == "50"  # type: ignore[union-attr]
    a, b = curve.doubling()  # type: ignore[misc]
    assert (a.value, b.value) == ("50", "100")
    assert "past users 50 p95 more than doubles (120 → 250 ms at users 100)" in sweeps.advice(curve)


def test_one_curve_per_scenario_and_other_values_failed_cells_left_out() -> None:
    cells = [
        cell("c[threadpool=4]", "io-sync", 80, threadpool=4, swept={"threadpool": "4", "users": "16"}),
        cell("c[threadpool=8]", "io-sync", 160, threadpool=8, swept={"threadpool": "8", "users": "16"}),
        cell("c[threadpool=4]", "io-sync", 80, threadpool=4, swept={"threadpool": "4", "users": "32"}),
        failed("c[threadpool=8]", "io-sync", "boom"),
    ]  # fmt: skip
    cells[-1] = cells[-1].model_copy(update={"swept": {"threadpool": "8", "users": "32"}})
    found = sweeps.curves(cells, {"threadpool": ["4", "8"], "users": ["16", "32"]})
    by = {(c.key, c.fixed): c for c in found}
    assert set(by) == {("threadpool", "c, users=16"), ("threadpool", "c, users=32"),
                       ("users", "c, threadpool=4"), ("users", "c, threadpool=8")}  # fmt: skip
    assert [p.rps for p in by["threadpool", "c, users=32"].points] == [80, None]
    assert "threadpool 8 serves 100%" in sweeps.advice(by["threadpool", "c, users=16"])


def test_cells_of_a_users_sweep_are_told_apart_and_matched_by_their_point() -> None:
    a = [cell("u", "io-sync", 100 * u, users=u, swept={"users": str(u)}) for u in (10, 50)]
    b = [cell("u", "io-sync", 90 * u, users=u, swept={"users": str(u)}) for u in (10, 50)]
    assert [c.key for c in a] == [("u@users=10", "io-sync"), ("u@users=50", "io-sync")]
    found = diff.compare(summary(a), summary(b))
    assert [(r.a.users, r.b.users) for r in found.rows] == [(10, 10), (50, 50)]
    assert all(abs((r.ratio("rps") or 0) - 0.9) < 1e-9 for r in found.rows)


def test_an_open_model_cell_that_fell_short_of_its_rate_is_flagged() -> None:
    kept = cell("u", "io-sync", 93, target_rps=100.0)
    short = cell("u", "io-sync", 75.5, target_rps=100.0)
    assert flags.FLAGS["rate not kept"](kept) is None
    sentence = flags.FLAGS["rate not kept"](short)
    assert sentence is not None and "76 req/s served of the 100 asked" in sentence in sentence


def test_a_users_sweep_sets_the_model_s_curve_beside_the_measured_one() -> None:
    """io-sync, 100 ms, 4 tokens: X(N) of mean value analysis over the one-user demands, at each N."""
    cells = [
        cell("s", "io-sync", rps, users=u, threadpool=4, swept={"users": str(u)})
        for u, rps in ((1, 9.8), (4, 38.0), (16, 39.5))
    ]
    assert [c.model_rps for c in cells] == [
        pytest.approx(10.0), pytest.approx(35.0, rel=0.1), pytest.approx(40.0, rel=0.02)
    ]  # fmt: skip
    (curve,) = sweeps.curves(cells, {"users": ["1", "4", "16"]})
    assert [p.model_rps for p in curve.points] == [c.model_rps for c in cells]
    text = sweeps.against_model(curve)
    assert text is not None and text.startswith(
        "io-sync · s, req/s measured / the model's (mean value analysis)"
    )
    assert "at users 1: 9.8 / 10, 4: 38 / " in text
