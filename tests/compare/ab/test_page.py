"""The A/B's report and table, from ab.json: every row, its interval, its verdict, escaped."""

from __future__ import annotations

from pathlib import Path

from lab.compare.ab.page import render, table
from lab.compare.ab.result import AbMeta, AbResult, AbRow, Run, load, write
from tests.compare.support import parse


def _result() -> AbResult:
    meta = AbMeta(
        a_dir="../a", b_dir="<b>", app="service:app", config="uvicorn-single", users=20, duration_s=5,
        warmup_s=1, rounds=3, order=["A", "B", "B", "A", "A", "B"], alpha=0.05, level=0.95,
        fail_on_regression_pct=10, started="2026-12-03T02:00:00Z",
    )  # fmt: skip
    rows = [
        AbRow(scenario="WorkUser", metric="rps", a=[300, 310, 290], b=[230, 236, 225], ratio=0.7667,
              ci=[0.75, 0.78], p_value=0.0004, verdict="slower", regression=True),
        AbRow(scenario="WorkUser", metric="p95_ms", a=[50, 52, 49], b=[51, 50, 52], ratio=1.0132,
              ci=[0.97, 1.05], p_value=0.6, verdict="no difference"),
    ]  # fmt: skip
    runs = [Run(side=s, round=r, out=f"runs/{s}{r}", ok=True) for r, s in [(1, "A"), (1, "B")]]
    return AbResult(meta=meta, runs=runs, scenarios=rows)


def test_ab_json_round_trips(tmp_path: Path) -> None:
    write(tmp_path, _result())
    assert load(tmp_path) == _result()


def test_the_table_has_a_row_per_scenario_and_metric() -> None:
    lines = table(_result()).splitlines()
    assert lines[0].startswith("| scenario | metric |") and len(lines) == 4
    assert (
        lines[2] == "| WorkUser | req/s | 300 | 230 | 0.767 [0.750, 0.780] | 0.0004 | slower (regression) |"
    )
    assert lines[3].endswith("| 0.6 | no difference |")


def test_the_report_shows_the_rows_and_the_runs_escaped(tmp_path: Path) -> None:
    write(tmp_path, _result())
    render(tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert parse(html).errors == []
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "0.767 [0.750, 0.780]" in html and 'class="slower"' in html
    assert 'href="runs/B1/summary.md"' in html
    assert "beyond\n10.0%" in html or "beyond 10.0%" in html
    assert (tmp_path / "ab.md").read_text() == table(_result())


def test_the_report_says_how_the_rounds_ran_and_what_a_duet_ratio_is(tmp_path: Path) -> None:
    for mode, says in [
        ("duet", ["A and B at the same time", "the paired t-test", "geometric mean"]),
        ("sequential", ["one side at a time", "Welch's t-test", "ratio of the means"]),
    ]:
        found = _result()
        out = tmp_path / mode
        out.mkdir()
        write(out, found.model_copy(update={"meta": found.meta.model_copy(update={"mode": mode})}))
        render(out)
        html = " ".join((out / "report.html").read_text().split())
        assert parse(html).errors == [] and all(s in html for s in says), mode
