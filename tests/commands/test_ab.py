"""`lab ab`: bad input refused before anything starts (in-process), and one real A/B of a tiny app whose
version B is five times slower in one handler: real uvicorn servers and Locust, duet rounds (A and B at
the same time, the default)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lab.cli import build_parser, main
from lab.compare.ab.cores import halves
from lab.compare.ab.result import AbResult, load
from lab.compare.results.summary import load as load_summary
from lab.shared.cores import usable_cpus

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "tests" / "data" / "apps" / "ab"
LOCUSTFILE = APPS / "locustfile.py"


def _ab(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["ab", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere", str(APPS / "a")], "nowhere: no such directory"),
        (["--rounds", "2"], "--rounds 2: must be between 3 and 50"),
        (["--configs", "uvicorn-single,gunicorn-multi"], "--configs: one configuration"),
        (["--junit", "/no/such/dir/j.xml"], "--junit /no/such/dir/j.xml: no directory /no/such/dir"),
        (["--fail-on-regression", "lots"], "--fail-on-regression 'lots': a number of percent"),
        (["--configs", "no-such-config"], "no-such-config"),
        (["--app", "not an app"], "--app 'not an app': expected MODULE:ATTRIBUTE"),
    ],
)
def test_bad_input_is_a_usage_error_and_starts_nothing(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    dirs = [] if args[0] == "nowhere" else [str(APPS / "a"), str(APPS / "a")]
    flags = ["--app", "service:app", "--locustfile", str(LOCUSTFILE), "--out", str(out)]
    code, err = _ab(capsys, *dirs, *args, *flags[: 0 if "--app" in args else 2], *flags[2:])
    assert code == 2
    assert err.startswith("lab: error: ") and message in err
    assert not out.exists()


def test_the_mode_is_duet_unless_asked_and_nothing_else(capsys: pytest.CaptureFixture[str]) -> None:
    dirs = [str(APPS / "a"), str(APPS / "a"), "--app", "service:app"]
    assert build_parser().parse_args(["ab", *dirs]).mode == "duet"
    assert build_parser().parse_args(["ab", *dirs, "--mode", "sequential"]).mode == "sequential"
    assert build_parser().parse_args(["ab", *dirs]).swap_every == 0.1
    assert build_parser().parse_args(["ab", *dirs, "--swap-every", "50ms"]).swap_every == 0.05
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["ab", *dirs, "--mode", "both"])
    assert exited.value.code == 2 and "invalid choice: 'both'" in capsys.readouterr().err


def test_without_a_load_it_says_what_to_send(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _ab(capsys, str(APPS / "a"), str(APPS / "a"), "--app", "service:app", "--out", str(tmp_path))
    assert code == 2 and "give --locustfile FILE or --endpoint" in err


def test_an_earlier_ab_is_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ab.json").write_text("{}")
    code, err = _ab(
        capsys, str(APPS / "a"), str(APPS / "a"), "--app", "service:app", "--locustfile", str(LOCUSTFILE),
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 2 and "already holds an A/B" in err
    assert (tmp_path / "ab.json").read_text() == "{}"


@pytest.fixture(scope="module")
def slower(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One real A/B: version B's /work does five times the work of A's (a copy of A, one line changed).

    1 s runs (Locust's shortest): a fivefold slowdown shows in every round's req/s and CPU per request
    whatever the run's length; each round's start-ups, not its second of load, are most of its time."""
    tmp = tmp_path_factory.mktemp("ab")
    b = tmp / "b"
    b.mkdir()
    source = (APPS / "a" / "service.py").read_text()
    (b / "service.py").write_text(source.replace("WORK = 20_000", "WORK = 100_000"))
    out = tmp / "out"
    done = subprocess.run(
        [sys.executable, "-m", "lab", "ab", str(APPS / "a"), str(b), "--app", "service:app",
         "--locustfile", str(LOCUSTFILE), "--scenarios", "WorkUser", "--rounds", "3", "--duration", "1",
         "--warmup", "0", "--users", "10",
         "--generator-processes", "1", "--fail-on-regression", "10", "--junit", str(tmp / "junit.xml"),
         "--out", str(out)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )  # fmt: skip
    return done, out


@pytest.mark.slow
@pytest.mark.serial
def test_a_much_slower_b_is_slower_a_regression_and_exit_3(
    slower: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = slower
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    found = load(out)
    rows = {r.metric: r for r in found.scenarios}
    assert set(rows) == {"rps", "p95_ms", "cpu_ms"} and all(r.scenario == "WorkUser" for r in found.scenarios)
    for row in found.scenarios:
        assert len(row.a) == len(row.b) == 3
        assert row.ratio is not None and row.ci is not None and row.p_value is not None
        assert row.ci[0] <= row.ratio <= row.ci[1]
    assert rows["rps"].ratio < 0.9 and rows["cpu_ms"].ratio > 1.1  # type: ignore[operator]
    # Which rows a busy machine lets reach p < 0.05 in 3 rounds varies (the CPU per request most often);
    # a regression is always a significant slowdown beyond the 10%.
    regressions = [r for r in found.scenarios if r.regression]
    assert regressions, found.scenarios
    for row in regressions:
        assert row.verdict == "slower" and row.p_value < 0.05  # type: ignore[operator]
        assert row.ratio < 0.9 if row.metric == "rps" else row.ratio > 1.1  # type: ignore[operator]
    assert "| WorkUser | req/s |" in done.stdout and "slower (regression)" in done.stdout


@pytest.mark.slow
@pytest.mark.serial
def test_each_round_runs_both_sides_at_once_each_a_comparison(
    slower: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = slower
    found: AbResult = load(out)
    assert found.meta.mode == "duet" and found.meta.finished
    # The side started first alternates: A B, B A, A B.
    assert [(r.round, r.side) for r in found.runs] == [
        (1, "A"),
        (1, "B"),
        (2, "B"),
        (2, "A"),
        (3, "A"),
        (3, "B"),
    ]
    assert found.meta.order == ["A", "B", "B", "A", "A", "B"]
    # Each side on its own half of the cores, swapped every 100 ms (lab.compare.ab.cores).
    split = halves(usable_cpus())
    assert split is not None and found.meta.swap_every_s == 0.1
    assert found.meta.cores == {"A": [*split.a, *split.shared], "B": [*split.b, *split.shared]}
    summaries = {(run.round, run.side): load_summary(out / run.out) for run in found.runs}
    for run in found.runs:
        summary = summaries[run.round, run.side]
        assert [c.status for c in summary.cells] == ["ok"] and run.ok
        side_dir = found.meta.a_dir if run.side == "A" else found.meta.b_dir
        assert summary.meta.target is not None
        assert summary.meta.target.app_dir == str(Path(side_dir).resolve())
        assert (out / run.out / "lab.log").is_file()
        pinning, half = summary.meta.pinning, found.meta.cores[run.side]
        if pinning.server is None:  # the side's plan saw its half only (pinned inside it from 6 cores on)
            assert f"share cores {half}" in pinning.note
        else:
            assert set(pinning.server) | set(pinning.generator or []) == set(half)
    for number in (1, 2, 3):
        a, b = summaries[number, "A"].meta, summaries[number, "B"].meta
        assert a.finished and b.finished
        assert a.started < b.finished and b.started < a.finished  # the two ran at the same time
    assert (out / "report.html").is_file() and (out / "ab.md").is_file()


@pytest.mark.slow
@pytest.mark.serial
def test_the_junit_file_has_each_run_and_the_regression(
    slower: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = slower
    root = ET.parse(out.parent / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root}
    assert suites["cells"].get("tests") == "6" and suites["cells"].get("errors") == "0"
    assert suites["regressions"].get("tests") == "3"
    assert suites["regressions"].get("failures") in ("1", "2", "3")
