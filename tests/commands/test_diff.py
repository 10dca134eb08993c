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


def test_diff_out_is_a_directory_that_gets_diff_md(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_run(tmp_path / "a", [cell("u", "io-sync", 200.0)])
    b = write_run(tmp_path / "b", [cell("u", "io-sync", 100.0)])
    out = tmp_path / "new" / "dir"  # created, as `lab compare --out` creates its own

    code = cli.main(["diff", str(a), str(b), "--out", str(out)])

    assert code == 0
    captured = capsys.readouterr()
    assert (out / "diff.md").read_text() == captured.out
    assert "0.50x" in captured.out
    assert captured.err == ""


def test_diff_out_old_file_spelling_still_writes_it_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_run(tmp_path / "a", [cell("u", "io-sync", 200.0)])
    b = write_run(tmp_path / "b", [cell("u", "io-sync", 100.0)])
    target = tmp_path / "mine.md"

    code = cli.main(["diff", str(a), str(b), "--out", str(target)])

    assert code == 0
    captured = capsys.readouterr()
    assert target.read_text() == captured.out
    assert captured.err == (
        f"lab: warning: --out {target} is deprecated, use --out DIR (it writes DIR/diff.md); "
        "the old spelling goes in the next release\n"
    )


def test_bad_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", [cell()])

    code = cli.main(["diff", str(a), str(tmp_path / "nowhere")])

    assert code == 2
    assert "holds no summary.json" in capsys.readouterr().err


def test_unwritable_out_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", [cell()])

    (tmp_path / "file").write_text("")

    code = cli.main(["diff", str(a), str(a), "--out", str(tmp_path / "file" / "dir")])

    assert code == 2
    assert f"lab: error: --out {tmp_path / 'file' / 'dir'}: Not a directory" in capsys.readouterr().err


# -- --fail-on-regression (issue 12 §3), on saved summaries --------------------------------------------


def _saved_pair(tmp_path: Path, factor: float) -> tuple[Path, Path]:
    """A: the real run saved in tests/compare/data; B: the same file with every req/s multiplied by
    `factor` (fabricated here, to make a regression or none)."""
    import json
    import shutil

    from tests.compare.support import REAL_RUN

    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(REAL_RUN, a)
    shutil.copytree(REAL_RUN, b)
    data = json.loads((b / "summary.json").read_text())
    for record in data["cells"]:
        if record.get("rps") is not None:
            record["rps"] = round(record["rps"] * factor, 3)
    (b / "summary.json").write_text(json.dumps(data))
    return a, b


def test_fail_on_regression_exits_3_with_the_cells_that_regressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _saved_pair(tmp_path, 0.8)
    junit = tmp_path / "junit.xml"

    code = cli.main(["diff", str(a), str(b), "--fail-on-regression", "10%", "--junit", str(junit)])

    assert code == 3
    captured = capsys.readouterr()
    assert "Regressions: 9 passed, 9 failed, 6 skipped" in captured.out
    assert (
        "- FAILED req/s drop <= 10%: uvicorn-single · io-sync: req/s 303 against 379 in the baseline "
        "(-20.0%, significance not judged with 2 and 2 runs: needs --repeat 3 a side); fails: it may drop "
        "by 10% at most (>= 341)"
    ) in captured.out
    assert "a regression beyond 10% (exit 3)" in captured.err
    assert junit.read_text().count("<failure ") == 9


def test_fail_on_regression_within_the_percentage_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _saved_pair(tmp_path, 0.95)

    code = cli.main(["diff", str(a), str(b), "--fail-on-regression", "10"])

    assert code == 0
    assert "Regressions: 18 passed, 6 skipped" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--fail-on-regression", "lots"], "a number of percent"), (["--junit", "x.xml"], "--junit needs")],
)
def test_bad_gate_flags_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    a = write_run(tmp_path / "a", [cell()])

    code = cli.main(["diff", str(a), str(a), *args])

    assert code == 2
    assert message in capsys.readouterr().err
