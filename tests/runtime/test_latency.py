"""A run's latency from the rows lab.loadgen.latency writes: exact percentiles, latency_from, the .hgrm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.runtime.latency import of, percentiles, read
from lab.shared.latency import Row, encoded, histogram, microseconds


def _encoded(ms: list[float]) -> str | None:
    h = histogram()
    for value in ms:
        h.record_value(microseconds(value / 1000))
    return encoded(h)


def _row(name: str, send: list[float], schedule: list[float] | None = None) -> Row:
    return Row(
        name=name, method="GET", send=_encoded(send), schedule=_encoded(schedule) if schedule else None
    )


def test_a_closed_loop_reports_exact_percentiles_from_the_send() -> None:
    found = of([_row("/io", [123.2 + i / 100 for i in range(100)])])  # 123.2 .. 124.19 ms
    assert found is not None and found.latency_from == "send"
    assert found.p50_ms == pytest.approx(123.7, abs=0.1)  # Locust's own rounding would say 120
    assert found.p99_ms == pytest.approx(124.2, abs=0.1)
    assert found.p95_ms_uncorrected is None


def test_an_open_model_reports_the_schedule_and_keeps_the_send() -> None:
    found = of([_row("/io", [50.0] * 10, [50.0] * 5 + [900.0] * 5)])
    assert found is not None and found.latency_from == "schedule"
    assert found.p95_ms == pytest.approx(900, rel=1e-3) and found.p95_ms_uncorrected == pytest.approx(
        50, rel=1e-3
    )


def test_the_hgrm_is_hdrhistograms_percentile_file_in_milliseconds() -> None:
    found = of([_row("/io", [10.0, 20.0, 30.0, 40.0])])
    assert found is not None
    lines = found.hgrm.splitlines()
    assert lines[0].split() == ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]
    assert any(line.startswith("#[Max     =       40.0") for line in lines), found.hgrm
    # Mean 25 ms, standard deviation 11.18 ms (the library's own footer would say 11180, in microseconds).
    assert any(
        line.startswith("#[Mean    =       25.0") and "StdDeviation   =       11.1" in line for line in lines
    )
    rows = percentiles(found.hgrm)
    assert rows[0] == (0.0, pytest.approx(10.0, rel=1e-3)) and rows[-1] == (
        1.0,
        pytest.approx(40.0, rel=1e-3),
    )
    assert [q for q, _ in rows] == sorted(q for q, _ in rows)


def test_read_picks_the_cells_name_else_merges_every_name(tmp_path: Path) -> None:
    path = tmp_path / "run_latency.json"
    path.write_text(json.dumps([_row("/a", [10.0]), _row("/b", [30.0, 30.0, 30.0])]))
    picked, merged = read(path, "/a"), read(path, None)
    assert picked is not None and picked.p50_ms == pytest.approx(10, rel=1e-3)
    assert merged is not None and merged.p50_ms == pytest.approx(30, rel=1e-3)
    assert read(tmp_path / "missing.json", "/a") is None
    assert of([]) is None
