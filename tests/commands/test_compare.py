"""`lab compare`'s command line: exit codes in --help, what --quick selects."""

from __future__ import annotations

import subprocess
import sys

from lab.cli import build_parser
from lab.commands.compare import DEFAULT_SCENARIOS, QUICK_SCENARIOS, scenario_names


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
