"""`lab claims`: errors exit 2 naming the entry; a run writes claims.json/.md, also into a comparison."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from lab.commands import claims as command
from tests.claims.support import write
from tests.compare.support import write_run


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(argv)


def test_a_malformed_claims_file_exits_2_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, old='kind = "timing"', new='kind = "hourglass"')

    assert command.run(_args("--claims-file", str(path), "--out", str(tmp_path / "out"))) == 2
    err = capsys.readouterr().err
    assert err.startswith("lab: error: ")
    assert "claim 6: experiment" in err and "'hourglass'" in err
    assert not (tmp_path / "out").exists()


def test_unknown_only_id_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert command.run(_args("--only", "42", "--out", str(tmp_path))) == 2
    assert "unknown claim id(s) [42]" in capsys.readouterr().err


@pytest.mark.slow
def test_claims_into_a_comparison_directory_add_the_report_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lab.compare.report import report

    out = write_run(tmp_path / "run", [])
    summary = (out / "summary.json").read_text()

    status = command.run(_args("--claims-file", str(write(tmp_path)), "--quick", "--out", str(out)))

    assert status == 0
    assert (out / "summary.json").read_text() == summary
    data = json.loads((out / "claims.json").read_text())
    assert data["meta"]["cores"] >= 1 and data["meta"]["quick"] is True
    (claim,) = data["claims"]
    assert {"id", "claim", "source", "verdict", "evidence", "condition", "numbers"} <= set(claim)
    assert claim["verdict"] == "holds"
    assert "# Claims checked" in (out / "claims.md").read_text()
    assert "holds" in capsys.readouterr().out
    report.render(out)
    assert "Claims checked" in (out / "report.html").read_text()
