"""Two result sets side by side: matching, ratios, one-sided cells, the report section and diff.md."""

from __future__ import annotations

from pathlib import Path

from lab.compare.report import diff, report
from tests.compare.support import cell, failed, parse, summary, write_run


def test_ratios_are_b_over_a_for_matching_cells() -> None:
    a = [cell("u", "io-sync", 200.0, p95_ms=500.0, p99_ms=600.0), cell("u", "io-async", 900.0)]
    b = [cell("u", "io-sync", 300.0, p95_ms=250.0, p99_ms=300.0), cell("u", "cpu-sync", 90.0)]

    result = diff.compare(summary(a), summary(b))

    [row] = result.rows
    assert row.label == "u · io-sync"
    assert row.ratio("rps") == 1.5
    assert row.ratio("p95_ms") == 0.5
    assert row.ratio("p99_ms") == 0.5
    assert row.ratio("efficiency") == 1.5
    assert [c.scenario for c in result.only_a] == ["io-async"]
    assert [c.scenario for c in result.only_b] == ["cpu-sync"]


def test_failed_side_has_no_ratio() -> None:
    a = [cell("u", "io-sync", 200.0)]
    b = [failed("u", "io-sync", "port busy")]

    result = diff.compare(summary(a), summary(b))

    assert result.rows[0].ratio("rps") is None
    assert "| u · io-sync | 200 | failed |  |" in diff.markdown(result)


def test_one_configuration_each_matches_by_scenario() -> None:
    a = [cell("uvicorn-single", "io-sync", 360.0)]
    b = [cell("threadpool-tuned", "io-sync", 900.0, threadpool=200)]

    result = diff.compare(summary(a), summary(b))

    assert result.by_scenario
    assert result.rows[0].label == "uvicorn-single → threadpool-tuned · io-sync"
    assert result.rows[0].ratio("rps") == 2.5
    assert "matched by scenario" in diff.markdown(result)


def test_setup_changes_are_listed() -> None:
    a = [cell("u", "io-sync")]
    tuned = [{"name": "u", "server": "uvicorn", "workers": 1, "threadpool": 80}]

    result = diff.compare(summary(a), summary(a, users=200, configs=tuned))

    assert "users: 100 → 200" in result.setup
    assert "configuration u: threadpool 40 → 80" in result.setup


def test_markdown_table() -> None:
    a = [cell("u", "io-sync", 200.0)]
    b = [cell("u", "io-sync", 300.0)]

    text = diff.markdown(diff.compare(summary(a), summary(b), a_name="old", b_name="new"))

    assert "A (baseline): old" in text and "B: new" in text
    assert "| cell | req/s A | req/s B | B/A | p95 ms A |" in text
    assert "| u · io-sync | 200 | 300 | 1.50x |" in text


def test_render_with_baseline_adds_section_and_diff_md(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", [cell("u", "io-sync", 200.0), cell("u", "io-async", 800.0)])
    b = write_run(tmp_path / "b", [cell("u", "io-sync", 300.0), cell("u", "io-async", 500.0)])

    report.render(b, baseline=a)

    text = (b / "report.html").read_text()
    page = parse(text)
    assert "baseline" in page.ids
    assert page.classes["better"] >= 1 and page.classes["worse"] >= 1
    assert "1.50x" in text and "0.62x" in text
    assert "| u · io-sync | 200 | 300 | 1.50x |" in (b / "diff.md").read_text()


def test_render_with_a_bad_baseline_still_writes_the_report(tmp_path: Path) -> None:
    b = write_run(tmp_path / "b", [cell("u", "io-sync")])

    report.render(b, baseline=tmp_path / "missing")

    text = (b / "report.html").read_text()
    parse(text)
    assert "Baseline not compared" in text
    assert not (b / "diff.md").exists()


# -- --fail-on-regression (issue 12 §3) ---------------------------------------------------------------


def test_parse_percent() -> None:
    assert diff.parse_percent("10") == 10.0
    assert diff.parse_percent(" 12.5% ") == 12.5
    for bad in ("ten", "-1", "2000%", ""):
        try:
            diff.parse_percent(bad)
        except ValueError as exc:
            assert str(exc).startswith(f"--fail-on-regression {bad!r}: ")
        else:
            raise AssertionError(f"{bad!r} accepted")


def test_regressions_beyond_the_percentage_fail() -> None:
    a = [
        cell("u", "io-sync", 200.0, p95_ms=500.0),
        cell("u", "io-async", 900.0, p95_ms=100.0),
        cell("u", "cpu-sync", 90.0, p95_ms=1000.0),
    ]
    b = [
        cell("u", "io-sync", 170.0, p95_ms=520.0),  # req/s -15%: fails; p95 +4%: passes
        cell("u", "io-async", 890.0, p95_ms=125.0),  # p95 +25%: fails
        cell("u", "cpu-sync", 99.0, p95_ms=900.0),  # better on both
    ]

    found = diff.regressions(diff.compare(summary(a), summary(b)), 10.0)

    assert [(v.scenario, v.field, v.outcome) for v in found] == [
        ("io-sync", "rps", "failed"), ("io-sync", "p95_ms", "passed"),
        ("io-async", "rps", "passed"), ("io-async", "p95_ms", "failed"),
        ("cpu-sync", "rps", "passed"), ("cpu-sync", "p95_ms", "passed"),
    ]  # fmt: skip
    rps = found[0]
    assert (rps.kind, rps.name, rps.op, rps.bound, rps.value, rps.baseline) == (
        "regression", "req/s drop <= 10%", ">=", 180.0, 170.0, 200.0,
    )  # fmt: skip
    assert rps.message == (
        "u · io-sync: req/s 170 against 200 in the baseline (-15.0%, significance not judged with 1 and 1 "
        "runs: needs --repeat 3 a side); fails: it may drop by 10% at most (>= 180)"
    )
    assert found[3].bound is not None and abs(found[3].bound - 110.0) < 1e-9


def test_unsteady_latency_and_failed_cells_are_no_regression() -> None:
    a = [cell("u", "io-sync", 200.0, p95_ms=500.0), cell("u", "io-async", 900.0)]
    b = [cell("u", "io-sync", 190.0, p95_ms=5000.0, steady_state=False), failed("u", "io-async", "boom")]

    found = diff.regressions(diff.compare(summary(a), summary(b)), 10.0)

    assert [(v.scenario, v.field, v.outcome) for v in found] == [
        ("io-sync", "rps", "passed"), ("io-sync", "p95_ms", "skipped"),
        ("io-async", "rps", "skipped"), ("io-async", "p95_ms", "skipped"),
    ]  # fmt: skip
    assert "not at steady state" in found[1].message
    assert found[2].message == "u · io-async: the cell failed: not compared"


def test_common_keys_follow_the_matching_rule() -> None:
    assert diff.common([("u", "io-sync"), ("u", "cpu-sync")], [("u", "io-sync"), ("v", "io-sync")]) == {
        ("u", "io-sync")
    }
    assert diff.common([("u", "io-sync")], [("v", "io-sync"), ("v", "io-async")]) == {("v", "io-sync")}
    assert diff.common([("u", "io-sync")], [("u", "io-async")]) == set()


def test_with_three_runs_a_side_a_change_beyond_the_percentage_must_also_be_significant() -> None:
    """Issue 22 §2: -15% inside a +-30% noise passes (and says so); -15% in steady runs fails."""
    noisy_a = cell("u", "io-sync", 200.0, p95_ms=500.0, rps_runs=[200.0, 140.0, 260.0],
                   p95_runs=[500.0, 510.0, 490.0])  # fmt: skip
    noisy_b = cell("u", "io-sync", 170.0, p95_ms=500.0, rps_runs=[170.0, 230.0, 120.0],
                   p95_runs=[500.0, 505.0, 495.0])  # fmt: skip
    steady_a = cell("u", "io-async", 200.0, p95_ms=100.0, rps_runs=[200.0, 202.0, 198.0],
                    p95_runs=[100.0, 101.0, 99.0])  # fmt: skip
    steady_b = cell("u", "io-async", 170.0, p95_ms=100.0, rps_runs=[170.0, 171.0, 169.0],
                    p95_runs=[100.0, 99.0, 101.0])  # fmt: skip

    found = diff.regressions(diff.compare(summary([noisy_a, steady_a]), summary([noisy_b, steady_b])), 10.0)

    by = {(v.scenario, v.field): v for v in found}
    noise, real = by["io-sync", "rps"], by["io-async", "rps"]
    assert noise.outcome == "passed" and "(not significant: noise)" in noise.message
    assert real.outcome == "failed" and "(significant)" in real.message
    assert by["io-async", "p95_ms"].outcome == "passed"
