"""A run's latency from the rows lab.loadgen.latency writes: exact percentiles, latency_from, the .hgrm."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram

from lab.runtime.latency import TICKS_PER_HALF_DISTANCE, hgrm, of, percentiles, read
from lab.shared.latency import DIGITS, US_PER_MS, Row, encoded, histogram, microseconds


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


def _hdrh_own(h: HdrHistogram) -> str:
    """What lab.runtime.latency.hgrm must equal: hdrh's own file, its standard deviation scaled to ms."""
    out = io.BytesIO()
    h.output_percentile_distribution(out, US_PER_MS, TICKS_PER_HALF_DISTANCE)
    stddev = f"StdDeviation   = {h.get_stddev() / US_PER_MS:12.{DIGITS}f}]"
    return re.sub(r"StdDeviation   = +[0-9.]+\]", stddev, out.getvalue().decode("ascii"), count=1)


@pytest.mark.parametrize(("seed", "count"), [(0, 1), (1, 300), (2, 5000)])
def test_the_hgrm_is_byte_for_byte_hdrhs_own_file(seed: int, count: int) -> None:
    rng = random.Random(seed)
    draws = [
        lambda: rng.lognormvariate(-4, 1.5),
        lambda: rng.choice([0.000001, 0.05, 0.05, 2.0]),
        lambda: rng.uniform(0, 4000),
    ]
    h = histogram()
    for _ in range(count):
        h.record_value(microseconds(draws[seed]()))
    decoded = histogram()  # as the lab reads them: decoded and merged
    decoded.decode_and_add(h.encode())
    for each in (h, decoded, histogram()):
        assert hgrm(each) == _hdrh_own(each)
