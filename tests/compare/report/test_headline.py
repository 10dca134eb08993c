"""The report's verdict rows: per scenario, the best configuration, by how much, and the binding limit."""

from __future__ import annotations

from lab.compare.report import headline
from tests.compare.support import cell, failed


def test_the_best_configuration_by_its_margin_over_the_next_with_its_limit() -> None:
    cells = [
        cell("uvicorn-single", "io-sync", 90.0),
        cell("gunicorn-multi", "io-sync", 360.0, workers=4),
        cell("threadpool-tuned", "io-sync", 180.0),
        cell("uvicorn-single", "io-async", 950.0),
        cell("gunicorn-multi", "io-async", 900.0, workers=4),
    ]

    rows = headline.rows(cells)

    assert [(r.scenario, r.best, r.rps) for r in rows] == [
        ("io-sync", "gunicorn-multi", "360"),
        ("io-async", "uvicorn-single", "950"),
    ]
    assert rows[0].margin == "2.0x threadpool-tuned (180)"
    assert rows[1].margin == "within 10% of gunicorn-multi (900)"
    best = next(c for c in cells if c.config == "gunicorn-multi" and c.scenario == "io-sync")
    assert rows[0].limit == best.bottleneck and rows[0].limit


def test_a_failed_cell_is_named_never_the_best() -> None:
    cells = [
        failed("gunicorn-multi", "cpu-sync", "it crashed"),
        cell("uvicorn-single", "cpu-sync", 80.0),
        failed("uvicorn-single", "cpu-process", "it crashed"),
    ]

    sync, process = headline.rows(cells)

    assert sync.best == "uvicorn-single"
    assert sync.margin == "the only configuration that ran; gunicorn-multi failed"
    assert (process.best, process.rps, process.limit) == ("", "", "")
    assert process.margin == "every configuration failed (uvicorn-single)"


def test_one_configuration_is_the_only_one_measured() -> None:
    (row,) = headline.rows([cell("uvicorn-single", "io-sync", 90.0)])

    assert row.margin == "the only configuration measured"


def test_overlapping_intervals_are_a_tie_not_a_winner() -> None:
    """With --repeat 3 or more (issue 22 §1): 0.5% apart within each other's noise is no verdict."""
    cells = [
        cell("uvicorn-single", "io-async", 950.0, rps_ci=[900.0, 1000.0]),
        cell("gunicorn-multi", "io-async", 945.0, workers=4, rps_ci=[910.0, 990.0]),
        cell("threadpool-tuned", "io-async", 500.0, rps_ci=[480.0, 520.0]),
        cell("uvicorn-single", "io-sync", 400.0, rps_ci=[390.0, 410.0]),
        cell("gunicorn-multi", "io-sync", 300.0, workers=4, rps_ci=[290.0, 310.0]),
    ]

    tie, apart = headline.rows(cells)

    assert tie.best == "tie: uvicorn-single, gunicorn-multi"
    assert (
        tie.margin == "95% intervals of req/s overlap: uvicorn-single [900, 1000]; gunicorn-multi [910, 990]"
    )
    assert apart.best == "uvicorn-single" and apart.margin.startswith("1.3x gunicorn-multi")


def test_without_intervals_there_is_no_tie() -> None:
    cells = [cell("uvicorn-single", "io-async", 950.0), cell("gunicorn-multi", "io-async", 945.0, workers=4)]
    (row,) = headline.rows(cells)
    assert row.best == "uvicorn-single"
