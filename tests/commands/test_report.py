"""`lab report DIR`: renders report.html again from saved data; a directory that is not a run exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lab import cli
from tests.compare.support import cell, failed, parse, write_run


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    # Until lab/cli.py lists the command (test_the_command_is_registered), the others run it anyway.
    if "report" not in cli.COMMANDS:
        monkeypatch.setitem(cli.COMMANDS, "report", ("lab.commands.report", "render report.html again"))


def test_the_command_is_registered() -> None:
    done = subprocess.run([sys.executable, "-m", "lab", "report", "--help"], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: lab report")


def test_report_renders_from_saved_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = write_run(tmp_path / "run", [cell("u", "io-sync"), failed("u", "io-async", "port busy")])

    code = cli.main(["report", str(out)])

    assert code == 0
    assert capsys.readouterr().out.strip() == str(out / "report.html")
    text = (out / "report.html").read_text()
    parse(text)
    assert "port busy" in text


def test_report_with_baseline_writes_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", [cell("u", "io-sync", 200.0)])
    b = write_run(tmp_path / "b", [cell("u", "io-sync", 300.0)])

    code = cli.main(["report", str(b), "--baseline", str(a)])

    assert code == 0
    assert str(b / "diff.md") in capsys.readouterr().out
    assert "1.50x" in (b / "diff.md").read_text()
    assert 'id="baseline"' in (b / "report.html").read_text()


@pytest.mark.parametrize("bad", ["empty", "bad-json", "baseline"])
def test_not_a_result_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str) -> None:
    good = write_run(tmp_path / "good", [cell()])
    broken = tmp_path / "broken"
    broken.mkdir()
    if bad == "bad-json":
        (broken / "summary.json").write_text("{")
    argv = ["report", str(good), "--baseline", str(broken)] if bad == "baseline" else ["report", str(broken)]

    code = cli.main(argv)

    assert code == 2
    assert capsys.readouterr().err.startswith(f"lab: error: {broken}")
    assert not (broken / "report.html").exists()
