"""`lab compare`'s command line: exit codes in --help, what --quick selects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli import build_parser
from lab.commands.compare import DEFAULT_SCENARIOS, QUICK_SCENARIOS, asked_of, scenario_names
from tests.cli_support import refused

LAB_COMPARE = [sys.executable, "-m", "lab", "compare"]


def test_help_documents_the_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lab", "compare", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for line in (
        "0    every cell ran",
        "1    a cell failed",
        "2    usage error",
        "3    a check",
        "130  interrupted",
    ):
        assert line in result.stdout


def test_quick_runs_fewer_scenarios_unless_they_are_named() -> None:
    parser = build_parser()
    default = parser.parse_args(["compare"])
    quick = parser.parse_args(["compare", "--quick"])
    named = parser.parse_args(["compare", "--quick", "--scenarios", "io-blocking"])
    assert scenario_names(default) == DEFAULT_SCENARIOS.split(",")
    assert scenario_names(quick) == QUICK_SCENARIOS.split(",")
    assert len(scenario_names(quick)) < len(scenario_names(default))
    assert scenario_names(named) == ["io-blocking"]


@pytest.mark.parametrize(
    ("flags", "duration", "warmup"),
    [([], 5.0, 1.0), (["--quick"], 2.0, 1.0), (["--quick", "--duration", "1s", "--warmup", "0"], 1.0, 0.0),
     (["--duration", "3s"], 3.0, 1.0)],
)  # fmt: skip
def test_quick_sets_the_cells_time_unless_duration_or_warmup_say_otherwise(
    flags: list[str], duration: float, warmup: float, tmp_path: Path
) -> None:
    """--quick once replaced an explicit --duration 1s with its 2 s cells after 1 s of warm-up, silently."""
    asked = asked_of(build_parser().parse_args(["compare", *flags, "--out", str(tmp_path / "out")]))
    assert (asked.duration_s, asked.warmup_s) == (duration, warmup)


@pytest.mark.slow
def test_fanout_options_beyond_the_total_wait_exit_2_before_anything_starts(tmp_path: Path) -> None:
    """--fanout-n and --fanout-ms each within bounds, but 39 x 4977 ms a request: refused (issue 26 §5)."""
    out = tmp_path / "out"
    done = subprocess.run(
        [*LAB_COMPARE, "--fanout-n", "39", "--fanout-ms", "4977", "--out", str(out)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "lab: error: --fanout-n x --fanout-ms = 39 x 4977 = 194103 ms: a request's total wait is at most "
        "30000 ms (30 s)\n"
    )
    assert not out.exists()


def test_one_fanout_option_alone_is_checked_against_the_others_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """5 calls of 50 ms by default (in this process: the test above proves the exit status end to end)."""
    err = refused(capsys, "compare", "--fanout-ms", "6001", "--out", str(tmp_path / "out"))
    assert "5 x 6001 = 30005 ms" in err and not (tmp_path / "out").exists()
