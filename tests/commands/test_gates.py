"""`lab compare`'s gates on real runs (issue 12 §3): a failing check gives exit 3 and a JUnit failure with
the measured value and the bound; a regression against a baseline gives exit 3; a bad gate is exit 2
before anything starts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli_support import refused

LAB = [sys.executable, "-m", "lab"]
# 1 s cells: a gate judges what the cell measured, whatever its length; io-async's 100 ms waits at 10 users
# serve about 100 req/s, as steady in 1 s as in 2 (the regression's baseline asks twice that).
RUN = ["--configs", "uvicorn-single", "--scenarios", "io-async", "--users", "10", "--duration", "1",
       "--warmup", "0", "--calibrate", "0"]  # fmt: skip


def _compare(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LAB, "compare", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One real 1 s cell with a check that holds and one that cannot."""
    tmp = tmp_path_factory.mktemp("gates")
    done = _compare(
        *RUN, "--out", str(tmp / "run"), "--check", "failure_ratio<0.01", "--check", "io-async:rps>1e6",
        "--junit", str(tmp / "junit.xml"),
    )  # fmt: skip
    return done, tmp


@pytest.mark.slow
@pytest.mark.serial
def test_a_failing_check_exits_3_with_a_junit_failure(
    checked: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, tmp = checked

    assert done.returncode == 3, done.stderr
    assert "Checks: 1 passed, 1 failed" in done.stdout
    assert "- FAILED io-async:rps>1e6: uvicorn-single · io-async: rps = " in done.stdout
    assert "lab: a gate failed (exit 3)" in done.stderr
    saved = json.loads((tmp / "run" / "summary.json").read_text())
    rps = saved["cells"][0]["rps"]
    assert [(v["name"], v["outcome"]) for v in saved["checks"]] == [
        ("failure_ratio<0.01", "passed"), ("io-async:rps>1e6", "failed"),
    ]  # fmt: skip
    root = ET.parse(tmp / "junit.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")
    (failure,) = root.iter("failure")
    message = failure.get("message") or ""
    assert f"rps = {rps:.4g}" in message and "bound > 1e+06" in message
    assert "Checks" in (tmp / "run" / "report.html").read_text()


@pytest.mark.slow
@pytest.mark.serial
def test_a_regression_against_the_baseline_exits_3(
    checked: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, tmp = checked
    # The baseline is fabricated from the real run: its summary.json copied, its req/s doubled.
    baseline = tmp / "baseline"
    shutil.copytree(tmp / "run", baseline)
    data = json.loads((baseline / "summary.json").read_text())
    data["cells"][0]["rps"] *= 2
    data["checks"] = []
    (baseline / "summary.json").write_text(json.dumps(data))

    done = _compare(
        *RUN, "--out", str(tmp / "again"), "--baseline", str(baseline), "--fail-on-regression", "10%"
    )

    assert done.returncode == 3, done.stderr
    assert "- FAILED req/s drop <= 10%: uvicorn-single · io-async: req/s " in done.stdout
    verdicts = json.loads((tmp / "again" / "summary.json").read_text())["checks"]
    assert (verdicts[0]["kind"], verdicts[0]["field"], verdicts[0]["outcome"]) == (
        "regression",
        "rps",
        "failed",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--check", "p95<200"], "unknown field 'p95'"),
        (["--check", "nginx:rps>1"], "unknown scope 'nginx'"),
        (["--check", "rps >> 1"], "expected [SCOPE:]FIELD OP NUMBER"),
        (["--checks-file", "nope.toml"], "--checks-file nope.toml: not found"),
        (["--fail-on-regression", "10"], "--fail-on-regression needs --baseline DIR"),
        (["--fail-on-regression", "ten"], "a number of percent"),
        (["--junit", "/no/such/dir/j.xml"], "--junit /no/such/dir/j.xml: no directory"),
    ],
)
def test_a_bad_gate_exits_2_before_anything_starts(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """In this process (the exit status end to end: tests/commands/test_compare.py)."""
    assert message in refused(capsys, "compare", *RUN, "--out", str(tmp_path / "run"), *args)
    assert not (tmp_path / "run").exists()


def test_a_baseline_with_no_cell_in_common_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.compare.support import cell, write_run

    baseline = write_run(tmp_path / "base", [cell("gunicorn-multi", "cpu-sync"), cell("granian", "cpu-sync")])

    err = refused(
        capsys, "compare", *RUN, "--out", str(tmp_path / "run"), "--baseline", str(baseline),
        "--fail-on-regression", "5",
    )  # fmt: skip
    assert "no cell of this run matches" in err
