"""--check EXPR and the [checks] table (issue 12 §3): parsing against the plan's names, judging synthetic
cells (no server, no Locust)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.compare.results import checks
from lab.compare.results.checks import CheckError, evaluate, parse, parse_all, read_file
from tests.compare.support import cell, failed

CONFIGS = ["uvicorn-single", "gunicorn-multi"]
SCENARIOS = ["io-sync", "io-async", "Shop:Browse"]


def test_fields_are_the_numeric_fields_and_failure_ratio() -> None:
    for name in ("rps", "p95_ms", "efficiency", "failures", "loop_lag_p99_ms", "failure_ratio"):
        assert name in checks.FIELDS
    for name in ("config", "status", "generator_saturated", "rps_runs", "params"):
        assert name not in checks.FIELDS


@pytest.mark.parametrize(
    ("text", "config", "scenario", "field", "op", "bound"),
    [
        ("p95_ms<200", None, None, "p95_ms", "<", 200.0),
        (" failure_ratio <= 0.01 ", None, None, "failure_ratio", "<=", 0.01),
        ("rps>5e2", None, None, "rps", ">", 500.0),
        ("efficiency>=.8", None, None, "efficiency", ">=", 0.8),
        ("failures==0", None, None, "failures", "==", 0.0),
        ("io-async:p95_ms<150", None, "io-async", "p95_ms", "<", 150.0),
        ("gunicorn-multi:rps>900", "gunicorn-multi", None, "rps", ">", 900.0),
        ("gunicorn-multi:io-async:rps>900", "gunicorn-multi", "io-async", "rps", ">", 900.0),
        ("uvicorn-single:Shop:Browse:rps>1", "uvicorn-single", "Shop:Browse", "rps", ">", 1.0),
    ],
)
def test_parse(
    text: str, config: str | None, scenario: str | None, field: str, op: str, bound: float
) -> None:
    check = parse(text, CONFIGS, SCENARIOS)

    assert (check.config, check.scenario, check.field, check.op, check.bound) == (
        config, scenario, field, op, bound,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95<200", "unknown field 'p95'; valid: duration_s, requests"),
        ("status==1", "unknown field 'status'"),
        (
            "nginx:rps>1",
            "unknown scope 'nginx': a configuration (uvicorn-single, gunicorn-multi) or a scenario",
        ),
        ("io-sync:uvicorn-single:rps>1", "unknown scope 'io-sync:uvicorn-single'"),
        ("rps > fast", "expected [SCOPE:]FIELD OP NUMBER"),
        ("rps => 1", "expected [SCOPE:]FIELD OP NUMBER"),
        ("rps", "expected [SCOPE:]FIELD OP NUMBER"),
    ],
)
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(CheckError) as raised:
        parse(text, CONFIGS, SCENARIOS)

    assert str(raised.value).startswith(f"--check {text!r}: ")
    assert message in str(raised.value)


def test_evaluate_judges_every_cell_of_the_scope() -> None:
    cells = [
        cell("uvicorn-single", "io-sync", 300.0),  # p95 = 100 / 300 * 1300 = 433 ms
        cell("uvicorn-single", "io-async", 900.0),  # 144 ms
        cell("gunicorn-multi", "io-async", 1000.0),  # 130 ms
    ]
    found = evaluate(parse_all(["p95_ms<200", "io-async:rps>950"], CONFIGS, SCENARIOS), cells)

    assert [(v.name, v.config, v.scenario, v.outcome) for v in found] == [
        ("p95_ms<200", "uvicorn-single", "io-sync", "failed"),
        ("p95_ms<200", "uvicorn-single", "io-async", "passed"),
        ("p95_ms<200", "gunicorn-multi", "io-async", "passed"),
        ("io-async:rps>950", "uvicorn-single", "io-async", "failed"),
        ("io-async:rps>950", "gunicorn-multi", "io-async", "passed"),
    ]
    first = found[0]
    assert first.value == pytest.approx(433.33, abs=0.01)
    assert (first.op, first.bound) == ("<", 200.0)
    assert first.message == "uvicorn-single · io-sync: p95_ms = 433.3, bound < 200 (failed)"


def test_failure_ratio_is_failures_over_requests() -> None:
    cells = [cell(rps=100.0, requests=1000, failures=20)]
    (verdict,) = evaluate([parse("failure_ratio<0.01", CONFIGS, SCENARIOS)], cells)

    assert verdict.value == pytest.approx(0.02)
    assert verdict.outcome == "failed"


def test_a_failed_cell_is_skipped_and_an_unmeasured_value_fails() -> None:
    cells = [failed("uvicorn-single", "io-sync", "boom"), cell(scenario="io-async", efficiency=None)]
    found = evaluate([parse("efficiency>0.8", CONFIGS, SCENARIOS)], cells)

    assert [v.outcome for v in found] == ["skipped", "failed"]
    assert found[0].message == "uvicorn-single · io-sync failed: not judged"
    assert found[1].message == "uvicorn-single · io-async: efficiency was not measured"


def test_a_configuration_scope_covers_the_cells_swept_from_it() -> None:
    check = parse("uvicorn-single:rps>1", CONFIGS, SCENARIOS)

    assert check.covers(cell("uvicorn-single[threadpool=8]"))
    assert not check.covers(cell("uvicorn-single-2"))
    assert not check.covers(cell("gunicorn-multi"))


def test_checks_file(tmp_path: Path) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(
        '[checks]\n"*" = ["failure_ratio < 0.01", "p95_ms<500"]\nio-async = "p95_ms < 150"\n'
        '"gunicorn-multi:io-sync" = ["rps > 900"]\n'
    )

    texts = read_file(path)

    assert texts == [
        "failure_ratio < 0.01", "p95_ms<500", "io-async:p95_ms < 150", "gunicorn-multi:io-sync:rps > 900",
    ]  # fmt: skip
    assert [c.scope for c in parse_all(texts, CONFIGS, SCENARIOS)] == [
        None, None, "io-async", "gunicorn-multi:io-sync",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[checks]\nio-sync = 3\n", "[checks] io-sync: a string or a list of strings"),
        ("[gates]\n", "expected only a [checks] table (found: gates)"),
        ("checks = 1\n", "expected only a [checks] table"),
        ("[checks\n", "not valid TOML"),
    ],
)
def test_checks_file_refuses(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(text)

    with pytest.raises(CheckError, match=f"--checks-file {path}: .*"):
        read_file(path)
    with pytest.raises(CheckError) as raised:
        read_file(path)
    assert message in str(raised.value)


def test_checks_file_missing(tmp_path: Path) -> None:
    with pytest.raises(CheckError, match="not found"):
        read_file(tmp_path / "nope.toml")


def test_the_report_shows_a_checks_section(tmp_path: Path) -> None:
    from lab.compare.report import report, tables
    from tests.compare.support import parse as parse_html
    from tests.compare.support import summary, write_run

    cells = [cell("uvicorn-single", "io-sync", 300.0)]
    out = write_run(tmp_path / "run", cells)
    verdicts = evaluate(parse_all(["p95_ms<200"], CONFIGS, SCENARIOS), cells)
    tables.write(out, summary(cells).model_copy(update={"checks": verdicts}))

    report.render(out)

    page = (out / "report.html").read_text()
    checker = parse_html(page)
    assert "checks" in checker.ids
    assert "uvicorn-single · io-sync: p95_ms = 433.3, bound &lt; 200 (failed)" in page
