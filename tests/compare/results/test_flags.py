"""Flags on cells whose numbers need care: counts that do not reconcile, a cell short of steady state."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lab.compare import little
from lab.compare.report import tables
from lab.compare.report.diff import compare, markdown
from lab.compare.results import flags
from lab.compare.results.summary import Cell
from lab.compare.run.progress import Progress
from lab.shared.capacity import generator_capacity
from tests.compare.support import summary


def _record(**extra: Any) -> dict[str, Any]:
    base = {
        "config": "gunicorn-multi", "scenario": "io-sync", "server": "gunicorn", "workers": 2,
        "threadpool": 40, "process_pool": 2, "params": {"ms": 100}, "repeats": 1,
        "status": "ok", "users": 100, "rps": 390.0,
        "duration_s": 5.0, "requests": 14186, "abandoned": 67, "server_requests": 14253, "unaccounted": 0,
        "reconciled": True, "server_drained": True, "ceiling_rps": 400.0, "expected_wait_s": 0.25,
        "steady_state": True, "p95_ms": 250.0, "p99_ms": 300.0, "efficiency": 0.97,
    }  # fmt: skip
    return {**base, **extra}


def _cell(**extra: Any) -> Cell:
    return Cell.model_validate(_record(**extra))


@pytest.mark.parametrize(
    ("requests", "server", "abandoned", "unaccounted", "reconciled"),
    [
        (14186, 14253, 67, 0, True),  # the gunicorn cell, once the abandoned are counted
        (14186, 14253, 0, 67, True),  # ... and without them: 0.47%, within 1%
        (1000, 1010, 0, 10, True),  # exactly 1%
        (1000, 1011, 0, 11, False),
        (0, 1, 0, 1, True),  # at least one request of slack
        (0, 2, 0, 2, False),
        (1000, 990, 0, -10, True),  # the server saw fewer: also counted
        (1000, 980, 5, -20, False),  # fewer than Locust reported: the abandoned cannot explain that
        (968, 968, 13, 0, True),  # 13 abandoned before they reached the server (HttpUser, TaskSet)
        (968, 975, 13, 0, True),  # 7 of 13 abandoned reached it
        (968, 982, 13, 1, True),
    ],
)
def test_reconcile(requests: int, server: int, abandoned: int, unaccounted: int, reconciled: bool) -> None:
    assert little.reconcile(requests, server, abandoned) == (unaccounted, reconciled)


def test_expected_wait_and_steady_state() -> None:
    # io-blocking: 100 users on a 10 req/s ceiling wait 10 s, longer than a 5 s cell.
    assert little.expected_wait_s(100, 10.0, 9.5) == pytest.approx(10.0)
    assert little.at_steady_state(10.0, 5.0) is False
    assert little.at_steady_state(10.0, 15.0) is True
    # No model for the scenario: from the measured throughput.
    assert little.expected_wait_s(20, None, 2000.0) == pytest.approx(0.01)
    assert little.expected_wait_s(20, None, 0.0) is None
    assert little.at_steady_state(None, 5.0) is True


def test_a_reconciled_steady_cell_carries_no_flag() -> None:
    cell = _cell()
    assert flags.names(cell) == [] and flags.sentences(cell) == []
    assert flags.counts(cell) == "14186 + 67 = 14253"
    # Abandoned requests that died before they reached the server: the count says how many did.
    assert flags.counts(_cell(requests=968, server_requests=975, abandoned=13)) == "968 + 7 of 13 = 975"


def test_unreconciled_cell_is_flagged_with_its_numbers() -> None:
    cell = _cell(abandoned=0, unaccounted=67, reconciled=False)
    assert flags.names(cell) == ["unreconciled"]
    (sentence,) = flags.sentences(cell)
    assert (
        "server finished 14253" in sentence and "reported 14186" in sentence and "+67 unaccounted" in sentence
    )
    assert flags.counts(cell) == "14186 + 0 ≠ 14253"


def test_unsteady_cell_is_flagged_with_its_numbers() -> None:
    cell = _cell(scenario="io-blocking", ceiling_rps=10.0, expected_wait_s=10.0, steady_state=False)
    assert flags.names(cell) == ["not steady"]
    (sentence,) = flags.sentences(cell)
    assert "100 users / the ceiling of 10 req/s = 10 s" in sentence and "5 s cell" in sentence


def test_failed_cells_and_old_results_carry_no_flag() -> None:
    assert flags.names(_cell(status="failed", reconciled=False)) == []
    record = {k: v for k, v in _record().items() if k not in ("abandoned", "reconciled", "steady_state")}
    old = Cell.model_validate(record)
    assert flags.names(old) == [] and flags.counts(old) == "14186 / 14253"


def test_summary_markdown_flags_the_cell_and_explains_below() -> None:
    cells = [
        _cell(),
        _cell(scenario="io-blocking", expected_wait_s=10.0, steady_state=False, ceiling_rps=10.0),
    ]
    text = tables.markdown(summary(cells))
    rows = [line for line in text.splitlines() if line.startswith("| gunicorn-multi")]
    assert "14186 + 67 = 14253" in rows[0] and "not steady" not in rows[0]
    assert "not steady" in rows[1]
    assert "Flagged cells" in text and "gunicorn-multi · io-blocking: not at steady state" in text


def test_diff_does_not_call_an_unsteady_latency_change_a_regression() -> None:
    a = [_cell(scenario="io-blocking", steady_state=False, p95_ms=4500.0), _cell()]
    b = [_cell(scenario="io-blocking", steady_state=False, p95_ms=1600.0), _cell(p95_ms=500.0)]
    diff = compare(summary(a), summary(b))
    blocking, sync = diff.rows
    assert blocking.unsteady("p95_ms") and blocking.unsteady("p99_ms") and not blocking.unsteady("rps")
    assert not sync.unsteady("p95_ms")
    text = markdown(diff)
    assert "0.36x (not steady)" in text and "2.00x" in text and "2.00x (not steady)" not in text
    assert "Not at steady state on at least one side" in text


def test_eta_learns_from_the_cells_done() -> None:
    progress = Progress([10.0, 10.0, 10.0, 10.0])
    assert progress.eta_s() == pytest.approx(40.0)
    progress.step()
    progress.step()
    progress.started = time.monotonic() - 40.0  # the first two took twice their estimate
    assert progress.eta_s() == pytest.approx(40.0, rel=0.05)
    progress.started = time.monotonic() - 10.0  # ... or half of it
    assert progress.eta_s() == pytest.approx(10.0, rel=0.05)


def test_a_cell_near_the_generator_s_measured_capacity_is_flagged() -> None:
    capacity = generator_capacity()
    assert capacity is not None and capacity.rps_per_process > 0 and capacity.measured_on
    near = capacity.rps_per_process * 0.85
    assert flags.names(_cell(rps=near, generator_processes=1)) == ["near Locust capacity"]
    (sentence,) = flags.sentences(_cell(rps=near, generator_processes=1))
    assert "within 20% of what 1 Locust process(es) drove" in sentence and "--generator-processes" in sentence
    # Two processes drive twice as much; a saturated cell has the stronger flag; an older result none.
    assert flags.names(_cell(rps=near, generator_processes=2)) == []
    saturated = _cell(rps=near, generator_processes=1, generator_saturated=True)
    assert flags.names(saturated) == ["Locust saturated"]
    assert flags.names(_cell(rps=near)) == []
