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
