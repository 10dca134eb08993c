"""The claims table of docs/claims.md: generated from claims.json, only between the markers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.claims import readme
from lab.claims.records import ClaimsFile

DATA = {
    "meta": {
        "date": "2025-01-02T03:04:05+00:00",
        "machine": {"cores": 2, "cpu": "x86_64"},
        "git_commit": "abc",
    },
    "claims": [
        {
            "id": 1,
            "claim": "A | B",
            "verdict": "does not hold",
            "evidence": "40 at once (2 cores).",
            "condition": "tokens",
        }
    ],
}
PAGE = "# Lab\n\nintro\n\n<!-- claims:start -->\nold table\n<!-- claims:end -->\n\nafter\n"


def test_replaces_only_between_the_markers(tmp_path: Path) -> None:
    (tmp_path / "claims.json").write_text(json.dumps(DATA))
    (tmp_path / "claims.md").write_text(PAGE)

    status = readme.main([str(tmp_path / "claims.json"), str(tmp_path / "claims.md")])

    assert status == 0
    text = (tmp_path / "claims.md").read_text()
    before, _, rest = text.partition(readme.START)
    inside, _, after = rest.partition(readme.END)
    assert before == "# Lab\n\nintro\n\n"
    assert after == "\n\nafter\n"
    assert "old table" not in inside
    assert "Measured 2025-01-02T03:04:05+00:00 on 2 cores (x86_64)" in inside
    assert "| 1 | “A \\| B” | **does not hold** | 40 at once (2 cores). | tokens |" in inside
    assert readme.replace(text, readme.block(ClaimsFile.model_validate(DATA))) == text  # idempotent


@pytest.mark.parametrize(
    "text",
    ["no markers\n", "<!-- claims:end -->\n<!-- claims:start -->\n", PAGE + "<!-- claims:start -->\n"],
)
def test_markers_missing_or_out_of_order_are_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / "claims.json").write_text(json.dumps(DATA))
    (tmp_path / "claims.md").write_text(text)

    assert readme.main([str(tmp_path / "claims.json"), str(tmp_path / "claims.md")]) == 2
    assert (tmp_path / "claims.md").read_text() == text


def test_a_file_that_is_not_claims_json_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "claims.json").write_text(json.dumps({"cells": []}))
    (tmp_path / "claims.md").write_text(PAGE)

    assert readme.main([str(tmp_path / "claims.json"), str(tmp_path / "claims.md")]) == 2
    assert "not a claims.json" in capsys.readouterr().err


def test_make_claims_rewrites_the_table_in_docs_claims_md() -> None:
    """The default page is docs/claims.md (issue 26 moved the table out of the README), and it holds one
    pair of markers, so `make claims` can rewrite it; the README holds none any more."""
    root = Path(__file__).resolve().parents[2]
    assert Path("docs/claims.md") == readme.DEFAULT_PAGE
    page = (root / readme.DEFAULT_PAGE).read_text(encoding="utf-8")
    rewritten = readme.replace(page, readme.block(ClaimsFile.model_validate(DATA)))
    assert "Measured 2025-01-02T03:04:05+00:00" in rewritten
    assert readme.START not in (root / "README.md").read_text(encoding="utf-8")
