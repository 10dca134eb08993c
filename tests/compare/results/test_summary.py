"""summary.json as typed data: the published JSON Schema is current and validates real files; reading
and writing validate, and a bad file is refused naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from lab.compare.results import summary
from lab.compare.results.summary import SCHEMA, ResultsError
from tests.compare.support import REAL_RUN, cell, failed, write_run

ROOT = Path(__file__).resolve().parents[3]


def _published() -> Any:
    return json.loads((ROOT / summary.SCHEMA_PATH).read_text(encoding="utf-8"))


def _validate(path: Path) -> None:
    """Against the committed JSON Schema, with a validator that is not pydantic."""
    jsonschema_rs.validator_for(_published()).validate(json.loads(path.read_text(encoding="utf-8")))


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (ROOT / summary.SCHEMA_PATH).read_text(encoding="utf-8")
    assert committed == summary.json_schema(), (
        f"{summary.SCHEMA_PATH} is stale: python -m lab.compare.results.summary --write {summary.SCHEMA_PATH}"
    )


def test_the_schema_validates_a_real_summary_written_before_the_models() -> None:
    path = REAL_RUN / "summary.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema"] == 1  # as the runner wrote it, before the models: read as it is

    _validate(path)
    loaded = summary.load(REAL_RUN)

    assert loaded.schema_version == SCHEMA
    assert len(loaded.cells) == len(raw["cells"]) == 12
    assert {c.status for c in loaded.cells} == {"ok", "failed"}
    starved = next(c for c in loaded.cells if c.config == "threadpool-starved")
    assert starved.tokens == 4 and starved.label == f"threadpool-starved · {starved.scenario}"
    assert loaded.meta.target is None and loaded.meta.locustfile is None
    assert loaded.meta.configs[1].threadpool == 4


def test_a_written_summary_validates_and_reads_back_equal(tmp_path: Path) -> None:
    cells = [cell("u", "io-sync", 380.0), failed("u", "io-async", "port busy")]
    write_run(tmp_path, cells, target={"app": "svc.main:app"}, locustfile="locustfiles/svc.py")

    _validate(tmp_path / "summary.json")
    loaded = summary.load(tmp_path)

    assert json.loads((tmp_path / "summary.json").read_text())["schema"] == SCHEMA
    assert loaded.cells == cells
    assert loaded.meta.target is not None and loaded.meta.target.app == "svc.main:app"
    assert loaded.meta.target.metrics_path == "/metrics" and loaded.meta.locustfile == "locustfiles/svc.py"


def test_a_file_without_a_schema_version_is_read_as_version_1(tmp_path: Path) -> None:
    raw = json.loads((REAL_RUN / "summary.json").read_text(encoding="utf-8"))
    del raw["schema"]
    (tmp_path / "summary.json").write_text(json.dumps(raw))

    assert len(summary.load(tmp_path).cells) == 12


def _broken(tmp_path: Path, change: Any) -> Path:
    raw = json.loads((REAL_RUN / "summary.json").read_text(encoding="utf-8"))
    change(raw)
    (tmp_path / "summary.json").write_text(json.dumps(raw))
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["cells"][3].update(rps="fast"), "cells[3].rps: Input should be a valid number"),
        (lambda d: d["cells"][0].update(status="maybe"), "cells[0].status: Input should be 'ok' or 'failed'"),
        (lambda d: d["cells"][0].update(rsp=1.0), "cells[0].rsp: Extra inputs are not permitted"),
        (lambda d: d["meta"].pop("machine"), "meta.machine: Field required"),
        (lambda d: d.update(schema=SCHEMA + 1), f"schema {SCHEMA + 1}: this lab reads schema 1 to {SCHEMA}"),
        (lambda d: d.pop("cells"), "is not a `lab compare` summary"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, change: Any, message: str
) -> None:
    out = _broken(tmp_path, change)

    with pytest.raises(ResultsError) as caught:
        summary.load(out)

    assert str(caught.value).startswith(str(out / "summary.json"))
    assert message in str(caught.value)


def test_no_directory_and_no_json_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match=r"holds no summary\.json"):
        summary.load(tmp_path)
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(ResultsError, match="is not valid JSON"):
        summary.load(tmp_path)


def test_an_invalid_record_is_refused_before_it_is_written(tmp_path: Path) -> None:
    good = cell("u", "io-sync")
    bad = good.model_copy(update={"workers": 0})  # model_copy skips validation: save must not
    write_run(tmp_path, [good])
    before = (tmp_path / "summary.json").read_text()

    with pytest.raises(ValueError, match=r"cells\[0\]\.workers: Input should be greater than or equal to 1"):
        summary.save(tmp_path, summary.Summary(meta=summary.load(tmp_path).meta, cells=[bad]))

    assert (tmp_path / "summary.json").read_text() == before


def test_the_schema_command_prints_and_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert summary.main(["--schema", "--write", str(tmp_path / "schema.json")]) == 0

    assert capsys.readouterr().out == summary.json_schema()
    assert (tmp_path / "schema.json").read_text() == summary.json_schema()
