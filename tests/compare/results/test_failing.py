"""Failures count (issue 21 §4): a cell above --max-failure-ratio is flagged failing, never named best,
left out of knees and ratios, and its sentences say why with the status codes seen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.compare import explain
from lab.compare.report import headline, tables
from lab.compare.results import flags, summary, sweeps
from lab.compare.results.summary import Cell
from lab.runtime.locust_stats import failure_code, failure_codes
from tests.compare.support import cell, write_run


def _failing(config: str, scenario: str, rps: float, **extra: Any) -> Cell:
    """A cell whose requests were mostly 404s (the issue's: 1308 of 1582), flagged as the runner does."""
    made = cell(config, scenario, rps, requests=1582, failures=1308, failure_ratio=round(1308 / 1582, 4),
                failure_codes={"404": 1308}, **extra)  # fmt: skip
    return flags.flagged(made, 0.01)


def test_the_ratio_over_the_bound_is_flagged_failing_and_under_it_is_not() -> None:
    few = cell("a", "io-sync", 300.0, requests=1000, failures=10, failure_ratio=0.01)
    assert flags.flagged(few, 0.01).flags == []  # at the bound: not above it
    assert flags.flagged(few, 0.005).flags == ["failing"]
    assert flags.flagged(cell("a", "io-sync", 300.0), 0.0).flags == []  # no failure: ratio 0
    bad = _failing("b", "io-sync", 900.0)
    assert bad.flags == ["failing"] and flags.names(bad) == ["failing"]
    [sentence] = flags.sentences(bad)
    assert sentence.startswith("failing: 83% of its requests failed (1308 of 1582: 404 x1308)")
    assert "never named best" in sentence


def test_a_failing_cell_is_never_the_best_nor_ranked() -> None:
    cells = [
        _failing("fast-404", "io-sync", 900.0),
        cell("b", "io-sync", 300.0),
        cell("c", "io-sync", 150.0),
        _failing("fast-404", "io-async", 2000.0),
        cell("b", "io-async", 950.0),
    ]

    sync, other = headline.rows(cells)
    assert (sync.best, sync.rps) == ("b", "300")
    assert sync.margin.startswith("2.0x c (150); fast-404 failing: 83% of its requests failed")
    assert "404 x1308" in sync.margin
    assert other.best == "b" and other.margin.startswith("the only configuration that ran; fast-404 failing")
    [won] = explain.winners(cells)  # io-async has one ranked cell: no sentence
    assert won.startswith("io-sync: b served the most, 300 req/s, 2.0x c (150 req/s)")
    assert "(fast-404 failing: 83% of its requests failed (1308 of 1582: 404 x1308): not compared)" in won
    # the pair ratios (async against sync, on one configuration) leave a failing side out
    assert explain.pairs(cells) == [s for s in explain.pairs(cells) if "fast-404" not in s]
    assert not [s for s in explain.pairs(cells) if "fast-404" in s]
    assert explain.pairs([cells[0], cells[3]]) == []


def test_only_failing_cells_leave_no_best() -> None:
    (row,) = headline.rows([_failing("a", "io-sync", 900.0)])
    assert row.best == "" and row.margin.startswith("a failing: 83% of its requests failed")


def test_a_failing_cell_is_a_gap_in_its_sweep() -> None:
    cells = [
        cell("u", "io-sync", rps, users=u, p95_ms=p95, swept={"users": str(u)})
        for u, rps, p95 in [(10, 100, 100), (50, 400, 120)]
    ]
    cells.append(_failing("u", "io-sync", 5000.0, users=100, p95_ms=5.0, swept={"users": "100"}))
    (curve,) = sweeps.curves(cells, {"users": ["10", "50", "100"]})
    assert [p.rps for p in curve.points] == [100, 400, None]
    assert curve.best() is not None and curve.best().value == "50"  # type: ignore[union-attr]
    assert curve.enough() is not None and curve.enough().value == "50"  # type: ignore[union-attr]


def test_the_flags_are_stored_and_the_table_reads_them(tmp_path: Path) -> None:
    out = write_run(tmp_path / "run", [_failing("a", "io-sync", 900.0), cell("b", "io-sync", 300.0)])
    cells = summary.load(out).cells
    assert cells[0].flags == ["failing"] and cells[0].failure_codes == {"404": 1308}
    assert cells[0].failure_ratio == 0.8268 and cells[1].flags == []
    text = (out / "summary.md").read_text()
    assert "| failing |" in text and "a · io-sync: failing: 83% of its requests failed" in text
    assert tables.value(cells[0], "flags") == "failing"


def test_failure_codes_from_the_failures_written_at_locusts_exit(tmp_path: Path) -> None:
    path = tmp_path / "run_failures.json"
    errors = [
        ("/missing", "HTTPError('404 Client Error: Not Found for url: http://127.0.0.1:8000/missing')", 1308),
        ("/missing", "HTTPError('503 Server Error: Service Unavailable for url: /missing')", 4),
        ("/other", "BadStatusCode('http://127.0.0.1:8000/other', code=404)", 5),
        ("/other", "ConnectionRefusedError(111, 'Connection refused')", 2),
        ("/cart", "CatchResponseError('wrong total in the cart')", 3),
    ]
    rows = [{"method": "GET", "name": n, "error": e, "occurrences": k} for n, e, k in errors]
    path.write_text(json.dumps(rows))
    assert failure_codes(path, None) == {
        "404": 1313, "503": 4, "wrong total in the cart": 3, "ConnectionRefusedError": 2
    }  # fmt: skip
    assert failure_codes(path, "/missing") == {"404": 1308, "503": 4}
    assert failure_codes(tmp_path / "none.json", None) == {}
    assert failure_code("wrong total") == "wrong total"
