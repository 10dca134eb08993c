"""After the run (issue 12 §3): the verdicts judged on a result directory and saved in summary.json,
the terminal's lines, the exit status (1 wins over 3; 130 over both)."""

from __future__ import annotations

from pathlib import Path

from lab.compare.results import summary
from lab.compare.results.checks import evaluate, parse_all
from lab.compare.run import gates
from tests.compare.support import cell, failed, write_run


def test_judge_saves_the_verdicts_and_writes_junit(tmp_path: Path) -> None:
    out = write_run(tmp_path / "b", [cell("u", "io-sync", 300.0), cell("u", "io-async", 900.0)])
    base = write_run(tmp_path / "a", [cell("u", "io-sync", 400.0)])
    checks = parse_all(["io-sync:p95_ms<200"], ["u"], ["io-sync", "io-async"])

    verdicts = gates.judge(out, gates.Gates(checks, 10.0, base, tmp_path / "junit.xml"))

    assert summary.load(out).checks == verdicts
    assert [(v.kind, v.field, v.outcome) for v in verdicts] == [
        ("check", "p95_ms", "failed"), ("regression", "rps", "failed"), ("regression", "p95_ms", "failed"),
    ]  # fmt: skip
    assert (tmp_path / "junit.xml").read_text().count("<failure ") == 3
    assert gates.lines(verdicts) == [
        "Checks: 1 failed",
        "- FAILED io-sync:p95_ms<200: u · io-sync: p95_ms = 433.3, bound < 200 (failed)",
        "Regressions: 2 failed",
        "- FAILED req/s drop <= 10%: u · io-sync: req/s 300 against 400 in the baseline (-25.0%, "
        "significance not judged with 1 and 1 runs: needs --repeat 3 a side); fails: it may drop by 10% at "
        "most (>= 360)",
        "- FAILED p95 rise <= 10%: u · io-sync: p95 433 against 325 in the baseline (+33.3%, "
        "significance not judged with 0 and 0 runs: needs --repeat 3 a side); fails: it may rise by 10% at "
        "most (<= 358)",
    ]


def test_exit_status() -> None:
    ok, broken = [cell()], [cell(), failed("u", "io-async", "boom")]
    passed = evaluate(parse_all(["rps>1"], ["uvicorn-single"], ["io-sync"]), ok)
    failing = evaluate(parse_all(["rps>1e6"], ["uvicorn-single"], ["io-sync"]), ok)

    assert gates.exit_status(ok, passed) == 0
    assert gates.exit_status(ok, failing) == 3
    assert gates.exit_status(broken, failing) == 1
    assert gates.exit_status(ok, failing, interrupted=True) == 130
    assert gates.lines([]) == []
