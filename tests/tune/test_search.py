"""The search over a world whose answer is known: it finds the best point with few cells, stops when
nothing left can beat it, says so, and fails clearly when its first cell fails."""

from __future__ import annotations

import pytest

from lab.compare.results.summary import Cell
from lab.shared.configs import load_catalogue
from lab.tune import slo
from lab.tune.search import Candidate, Search, SearchError, closest
from lab.tune.space import Space, largest, points
from tests.tune.support import cell

TOKENS = ["1", "2", "4", "8", "16", "32", "64"]


def pool() -> tuple[list[Candidate], Candidate]:
    base = load_catalogue()["uvicorn-single"]
    space = Space({"threadpool": TOKENS})
    found = [Candidate(c, {"threadpool": str(c.threadpool)}, 1) for c in points(base, space)]
    start = largest([c.config for c in found], space)
    return found, next(c for c in found if c.config is start)


def test_the_search_finds_the_best_point_measuring_few() -> None:
    """32 users of 30 ms each: any pool of 32 tokens or more serves the users' bound; the search starts
    at 64, predicts the rest no better, and stops after one cell (far under the budget)."""
    found, first = pool()
    search = Search(found, slo.parse_all(["p95_ms<100"], "Geocoding"), budget=3, max_failure_ratio=0.01)
    search.run(first, lambda c, calibrate: cell(c, calibrate=calibrate))
    best = search.best()
    assert best is not None
    truth = max(cell(c).rps or 0.0 for c in found)
    assert best.rps >= 0.95 * truth
    assert len(search.measured) <= 0.4 * len(found)
    assert "no point left" in search.stopped
    assert all(c.note for c in found if c.order is None)  # every point skipped says why


def test_a_model_that_is_off_is_refined_by_what_was_measured() -> None:
    """A world 30% slower than the model: each prediction is the model's, times measured / model at the
    nearest point measured."""
    found, first = pool()
    search = Search(found, [], budget=1, max_failure_ratio=0.01)
    search.run(first, lambda c, calibrate: cell(c, calibrate=calibrate, skew=0.7))
    search.refine()
    eight = next(c for c in found if c.config.threadpool == 8)
    assert eight.raw is not None and first.raw is not None
    ratio = first.rps / first.raw.rps
    assert ratio < 0.9  # the world's 0.7 over a model that is itself below the bound near the knee
    assert eight.predicted["rps"] == pytest.approx(eight.raw.rps * ratio)
    assert eight.raw.rps <= 8 / 0.030 * 1.0001  # never over the thread pool's bound


def test_no_point_meets_an_impossible_slo_and_the_closest_is_named() -> None:
    found, first = pool()
    slos = slo.parse_all(["p95_ms<1"], "Geocoding")
    search = Search(found, slos, budget=3, max_failure_ratio=0.01)
    before: dict[str, dict[str, float]] = {}

    def measure(c: Candidate, calibrate: bool) -> Cell:
        before[c.config.name] = dict(c.predicted)
        return cell(c, calibrate=calibrate)

    search.run(first, measure)
    assert search.best() is None
    assert len(search.measured) == 3  # nothing met: it spent the budget trying
    for c in search.measured[1:]:  # each keeps what was predicted before it ran, not its own measurement
        assert c.predicted == before[c.config.name] and c.predicted["rps"] > 0
    assert not search.measured[0].predicted  # the first calibrates the model: nothing predicted it
    near = closest(found, slos)
    assert near is not None and near[1] > 1  # missed by more than 100%


def test_the_first_cell_failing_stops_the_search() -> None:
    found, first = pool()

    def broken(c: Candidate, calibrate: bool) -> Cell:
        return cell(c).model_copy(update={"status": "failed", "error": "port busy", "rps": None})

    search = Search(found, [], budget=3, max_failure_ratio=0.01)
    with pytest.raises(SearchError, match="port busy"):
        search.run(first, broken)
    assert len(search.measured) == 1
