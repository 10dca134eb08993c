"""The conventions every `lab` command keeps (issue 26 §3): `lab --version`, and each --help ending with its
exit statuses."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

import pytest

from lab.cli import COMMANDS, EXIT_STATUS_TITLE, build_parser
from tests.cli_support import refused

LAB = [sys.executable, "-m", "lab"]


def test_version_prints_the_installed_version() -> None:
    done = subprocess.run([*LAB, "--version"], capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"lab {metadata.version('fastapi-load-lab')}\n"
    assert re.fullmatch(r"lab \d+\.\d+\.\d+\S*\n", done.stdout)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_help_ends_with_its_exit_statuses(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([name, "--help"])

    assert info.value.code == 0
    text = capsys.readouterr().out
    section = text[text.rindex(f"\n{EXIT_STATUS_TITLE}\n") + 1 :].splitlines()
    assert section[0] == EXIT_STATUS_TITLE
    codes = [int(m.group(1)) for line in section[1:] if (m := re.match(r"^  (\d+) +\S", line))]
    # Each line is a status or the continuation of one; 0 first, 2 (usage) always, in increasing order.
    assert all(re.match(r"^  (\d+ +| {5})\S", line) for line in section[1:]), section
    assert codes[0] == 0 and 2 in codes and codes == sorted(codes), section


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_usage_error_is_2_in_every_command(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # argparse's own (the lab's `fail` returns 2 too: tests/cli_support.py), refused in this process.
    assert "error:" in refused(capsys, name, "--no-such-flag")


def test_the_lab_script_exits_with_the_command_s_status() -> None:
    # End to end through `python -m lab`, on a command that starts nothing (no load: no wait for the lock).
    done = subprocess.run([*LAB, "configs", "--no-such-flag"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "error:" in done.stderr
