"""A cell's runs taken together (issue 22 §1): each run's p95, the 95% intervals, when auto may stop."""

from __future__ import annotations

from lab.compare.results.measured import Measured
from lab.compare.run.record import repeats, settled


def _runs(*pairs: tuple[float, float]) -> list[Measured]:
    return [Measured(rps=rps, p95_ms=p95) for rps, p95 in pairs]


def test_two_runs_give_no_interval() -> None:
    found = repeats(_runs((100, 50), (110, 55)))
    assert found == {"p95_runs": [50, 55], "rps_ci": None, "p95_ci": None}


def test_three_runs_give_intervals_around_their_means() -> None:
    found = repeats(_runs((100, 50), (110, 55), (105, 52)))
    assert found["rps_ci"] is not None and found["p95_ci"] is not None
    assert found["rps_ci"][0] <= 105 <= found["rps_ci"][1]
    assert found["rps_ci"][0] >= 100 and found["rps_ci"][1] <= 110
    assert found["p95_ci"][0] <= 52.3 <= found["p95_ci"][1]


def test_auto_stops_once_both_intervals_are_within_five_percent() -> None:
    steady = _runs((100, 50), (101, 50.5), (99, 49.5))
    assert settled(steady)
    assert not settled(steady[:2])  # too few runs
    assert not settled(_runs((100, 50), (101, 80), (99, 30)))  # req/s steady, p95 all over
    assert not settled(_runs((100, 50), (140, 50), (70, 50)))
