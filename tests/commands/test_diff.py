"""`lab diff A B`: prints the side-by-side Markdown with ratios; a bad directory exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lab import cli
from tests.compare.support import cell, write_run


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    # Until lab/cli.py lists the command (test_the_command_is_registered), the others run it anyway.
    if "diff" not in cli.COMMANDS:
        monkeypatch.setitem(cli.COMMANDS, "diff", ("lab.commands.diff", "compare two result directories"))


def test_the_command_is_registered() -> None:
    done = subprocess.run([sys.executable, "-m", "lab", "diff", "--help"], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: lab diff")


def test_diff_prints_ratios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", [cell("u", "io-sync", 200.0), cell("u", "io-async", 900.0)])
    b = write_run(tmp_path / "b", [cell("u", "io-sync", 300.0), cell("v", "io-async", 900.0)])

    code = cli.main(["diff", str(a), str(b)])

    assert code == 0
    out = capsys.readouterr().out
    assert "| u · io-sync | 200 | 300 | 1.50x |" in out
    assert "- Only in A: u · io-async" in out
    assert "- Only in B: v · io-async" in out


def test_diff_out_writes_the_same_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", [cell("u", "io-sync", 200.0)])
    b = write_run(tmp_path / "b", [cell("u", "io-sync", 100.0)])
    target = tmp_path / "diff.md"

    code = cli.main(["diff", str(a), str(b), "--out", str(target)])

    assert code == 0
    assert target.read_text() == capsys.readouterr().out
    assert "0.50x" in target.read_text()


def test_bad_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", [cell()])

    code = cli.main(["diff", str(a), str(tmp_path / "nowhere")])

    assert code == 2
    assert "holds no summary.json" in capsys.readouterr().err


def test_unwritable_out_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", [cell()])

    code = cli.main(["diff", str(a), str(a), "--out", str(tmp_path / "no" / "such" / "dir.md")])

    assert code == 2
    assert "--out" in capsys.readouterr().err
