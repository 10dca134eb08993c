"""bench/cell_timeline.py and bench/compare_wall.py's own parts, without running `lab compare` (that is the
bench: docs/bench.md, "The fixed cost of a cell")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import cell_timeline, compare_wall


def test_the_timeline_splits_a_locust_run_and_counts_the_fixed_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = [
        cell_timeline.Span("server start (spawn to ready)", 100.0, 101.0),
        cell_timeline.Span("locust run (spawn to result)", 101.0, 104.5, test=(101.5, 103.5)),
    ]
    monkeypatch.setattr(cell_timeline, "SPANS", spans)
    lines = cell_timeline.timeline(100.0)
    assert "[start-up 0.50, sending 2.00, stop and read 1.00]" in lines[2]
    table = "\n".join(cell_timeline.totals(wall=5.0))
    assert "| users sending, all runs | 1 | 2.00 |" in table
    assert "| **fixed cost: wall - sending** | | **3.00** |" in table


def test_every_timed_function_names_a_module_of_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    assert all(module.startswith("lab.") for module, _, _ in cell_timeline.TIMED)
    timed = cell_timeline.patch(monkeypatch.setattr)  # undone after the test
    assert "locust run (gate to result)" in timed and "server stop" in timed


def test_a_base_without_the_lab_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        compare_wall.main(["--base", str(tmp_path), "--", "--duration", "2s"])
    assert exc.value.code == 2
