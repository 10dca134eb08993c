"""bench/tune_judge.py: the grid's best over repeated cells, and the pick against it over rounds."""

from __future__ import annotations

import pytest

from bench.tune_judge import duel, grid_best, meets, order


def cell(config: str, rps: float, ci: tuple[float, float] | None, p95: float = 100.0) -> dict[str, object]:
    return {"config": config, "status": "ok", "rps": rps, "rps_ci": list(ci) if ci else None, "p95_ms": p95}


def test_the_best_is_the_best_median_that_met_the_slo_and_overlapping_intervals_tie_with_it() -> None:
    cells = [
        cell("s[threadpool=8]", 250, (240, 262)),
        cell("s[threadpool=16]", 480, (455, 500)),
        cell("s[threadpool=32]", 470, (430, 490)),  # overlaps the best: the machine cannot tell them apart
        cell("s[threadpool=64]", 900, (880, 920), p95=1500),  # the most, but misses the SLO
        {"config": "s[threadpool=2]", "status": "failed", "rps": None, "p95_ms": None},
    ]
    best = grid_best(cells, "p95_ms<1000")
    assert best is not None
    assert (best.config, best.rps, best.rps_ci) == ("s[threadpool=16]", 480, (455, 500))
    assert best.ties == ("s[threadpool=32]",)


def test_no_point_that_met_the_slo_is_no_best() -> None:
    assert grid_best([cell("s", 100, None, p95=2000)], "p95_ms<1000") is None
    assert not meets({"status": "failed", "p95_ms": 10}, "p95_ms<1000")
    assert not meets({"status": "ok", "p95_ms": None}, "p95_ms<1000")


def test_without_intervals_nothing_ties() -> None:
    best = grid_best([cell("a", 100, None), cell("b", 99, None)], "p95_ms<1000")
    assert best is not None and best.config == "a" and best.ties == ()


def test_the_rounds_alternate_who_goes_first() -> None:
    assert [order(n, "tuned", "best")[0] for n in range(1, 6)] == ["tuned", "best", "tuned", "best", "tuned"]


def test_equal_sides_that_move_together_are_within_5_percent_and_shown() -> None:
    # The machine's speed moves the rounds by 2x; both sides alike, a paired ratio sees none of it.
    found = duel([(100.0, 101.0), (200.0, 198.0), (150.0, 150.0), (120.0, 121.0), (180.0, 179.0)])
    assert found.rounds == 5 and found.ratio == pytest.approx(1.0, abs=0.01)
    assert found.lo is not None and found.hi is not None and found.lo <= 1.0 <= found.hi
    assert found.within and found.shown


def test_a_pick_20_percent_slower_in_every_round_is_not_within_5_percent() -> None:
    found = duel([(80.0, 100.0), (160.0, 200.0), (121.0, 150.0), (95.0, 120.0), (145.0, 180.0)])
    assert found.ratio == pytest.approx(0.8, abs=0.01)
    assert found.within is False and found.shown is False


def test_rounds_with_a_side_missing_are_left_out_and_two_are_needed() -> None:
    found = duel([(100.0, 100.0), (None, 100.0), (100.0, 0.0)])
    assert found.rounds == 1 and found.ratio is None and found.within is None
    assert duel([(100.0, 100.0), (None, 90.0), (90.0, 90.0)]).rounds == 2
