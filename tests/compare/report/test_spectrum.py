"""The percentile spectrum (issue 25): each cell's .hgrm drawn against 1/(1-q), configurations overlaid."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lab.compare.report import report, rundir, spectrum
from lab.runtime.latency import hgrm
from lab.shared.latency import histogram, microseconds

REAL_RUN = Path(__file__).resolve().parents[1] / "data" / "real-run"


def _hgrm(ms: list[float]) -> str:
    h = histogram()
    for value in ms:
        h.record_value(microseconds(value / 1000))
    return hgrm(h)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(REAL_RUN, out)
    return out


def test_one_chart_per_scenario_a_line_per_configuration(run_dir: Path) -> None:
    cells = run_dir / "cells"
    (cells / "uvicorn-single__io-sync.hgrm").write_text(_hgrm([100.0 + i / 10 for i in range(10_000)]))
    (cells / "threadpool-starved__io-sync.hgrm").write_text(_hgrm([400.0 + i for i in range(10_000)]))
    figures = spectrum.figures(rundir.load(run_dir))
    assert [f.scenario for f in figures] == ["io-sync"]
    [figure] = figures
    assert sorted(name for name, _ in figure.swatches) == ["threadpool-starved", "uvicorn-single"]
    assert len({color for _, color in figure.swatches}) == 2
    svg = str(figure.chart)
    assert svg.count("<polyline") == 2 and "io-sync: latency by percentile" in svg
    for tick in ("50%", "90%", "99%", "99.9%", "99.99%"):
        assert f">{tick}<" in svg
    # 10,000 requests reach p99.99: every line runs from the p50 gridline to the p99.99 one.
    xs = [float(x) for x in re.findall(r'<line x1="([\d.]+)" y1="22.0" x2="\1"', svg)]
    for points in re.findall(r'<polyline points="([^"]+)"', svg):
        first, last = points.split()[0], points.split()[-1]
        assert float(first.split(",")[0]) == pytest.approx(xs[0], abs=1)
        assert float(last.split(",")[0]) == pytest.approx(xs[-1], abs=1)
    assert "Percentile spectrum" in report.page(rundir.load(run_dir))


def test_a_run_without_hgrm_files_draws_no_spectrum(run_dir: Path) -> None:
    run = rundir.load(run_dir)
    assert run.spectra == {} and spectrum.figures(run) == []
    assert "Percentile spectrum" not in report.page(run)
