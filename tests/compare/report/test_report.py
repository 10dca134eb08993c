"""report.html: well formed, self-contained, with its charts, sentences, failures, warnings and claims."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from markupsafe import escape

from lab.compare.report import report, terminal
from tests.compare.support import REAL_RUN, cell, failed, history, parse, timeline, write_run

REASON = "the server (uvicorn) exited with code 1 during the cell <oops>"


def _cells() -> list[dict[str, object]]:
    return [
        cell("uvicorn-single", "io-sync", 380.0, threadpool_waiting_max=60.0, threadpool_in_use_max=40.0),
        cell("uvicorn-single", "io-async", 912.0),
        cell("uvicorn-single", "cpu-sync", 98.0),
        cell("threadpool-starved", "io-sync", 38.0, threadpool=4, threadpool_waiting_max=96.0,
             threadpool_in_use_max=4.0),
        cell("threadpool-starved", "io-async", 410.0, threadpool=4, generator_saturated=True,
             generator_cpu=0.95),
        failed("threadpool-starved", "cpu-sync", REASON),
    ]  # fmt: skip


def _render(out: Path) -> tuple[str, object]:
    report.render(out)
    text = (out / "report.html").read_text(encoding="utf-8")
    return text, parse(text)


def test_report_is_well_formed_and_has_its_charts(tmp_path: Path) -> None:
    cells = _cells()
    write_run(tmp_path, cells)

    text, page = _render(tmp_path)

    assert text.startswith("<!DOCTYPE html>")
    # 2 kinds x (throughput + latency) bars, 3 grids of 2 configs x 3 scenarios (failed cells drawn too)
    assert text.count("<svg") == 4 + 3 * 6
    assert page.classes["ceiling"] == 5  # one marker per cell with a measurement  # type: ignore[attr-defined]
    assert page.classes["panel"] == 18  # type: ignore[attr-defined]
    assert text.count(">no data<") == 3  # the failed cell's panels
    for section in ("won", "throughput", "latency", "over-time", "server", "table", "failed"):
        assert section in page.ids  # type: ignore[attr-defined]
    assert "claims" not in page.ids  # type: ignore[attr-defined]


def test_report_is_self_contained(tmp_path: Path) -> None:
    write_run(tmp_path, _cells())

    text, _ = _render(tmp_path)

    assert "<script" not in text
    assert "<link" not in text
    assert re.findall(r"(?:src|href)=\"(?!#)([^\"]*)\"", text) == []  # links only within the page
    assert "http" not in text


def test_report_has_computed_sentences_and_the_failure(tmp_path: Path) -> None:
    write_run(tmp_path, _cells())

    text, _ = _render(tmp_path)

    assert "async I/O served 2.4x the requests of sync I/O on uvicorn-single" in text
    assert "the 40 thread-pool tokens cap sync I/O at 400 req/s with 100 ms sleeps" in text
    assert "On threadpool-starved, io-sync requests waited for one of 4 tokens (up to 96 waiting" in text
    assert "Locust used 0.95 cores in cell threadpool-starved · io-async" in text
    assert "threadpool-starved · io-async: the load generator saturated" in text
    assert "the server (uvicorn) exited with code 1 during the cell &lt;oops&gt;" in text
    assert "<oops>" not in text
    assert "1 cell(s) failed: threadpool-starved · cpu-sync" in text
    assert "Interrupted" not in text


def test_interrupted_run_is_flagged(tmp_path: Path) -> None:
    cells = _cells()[:2]
    write_run(tmp_path, cells, interrupted=True, scenarios=["io-sync", "io-async", "cpu-sync"])

    text, _ = _render(tmp_path)

    assert "Interrupted (Ctrl-C): 2 of 3 cells completed" in text


def test_a_run_that_has_not_started_a_cell_renders(tmp_path: Path) -> None:
    configs = [{"name": "uvicorn-single", "server": "uvicorn"}]
    write_run(tmp_path, [], finished=None, configs=configs, scenarios=["io-sync"])

    text, _ = _render(tmp_path)

    assert "Run still in progress (or killed): 0 of 1 cells so far" in text
    assert "Not enough completed cells to compare" in text


def test_claims_section_when_claims_json_is_present(tmp_path: Path) -> None:
    claims = [
        {"id": "C1", "claim": "async I/O beats sync I/O", "verdict": "pass", "evidence": "2.4x on <u>"},
        {"id": "C2", "claim": "to_thread helps CPU work", "verdict": "fail", "evidence": {"ratio": 1.0}},
    ]
    write_run(tmp_path, _cells(), claims=claims)

    text, page = _render(tmp_path)

    assert "claims" in page.ids  # type: ignore[attr-defined]
    assert "Claims checked" in text
    assert "async I/O beats sync I/O" in text and "2.4x on &lt;u&gt;" in text
    assert escape('{"ratio": 1.0}') in text
    assert re.search(r'class="verdict better">pass<', text)
    assert re.search(r'class="verdict worse">fail<', text)


def test_unreadable_claims_json_is_reported_not_fatal(tmp_path: Path) -> None:
    write_run(tmp_path, _cells(), claims="{not json")

    text, _ = _render(tmp_path)

    assert "claims.json could not be read" in text


def test_time_series_are_drawn_from_the_cell_files(tmp_path: Path) -> None:
    cells = [cell("u", "io-sync", 380.0)]
    details = {
        ("u", "io-sync"): {"history": history([300, 320, 340, 1400]), "server_timeline": timeline(40, 60, 25)}
    }
    write_run(tmp_path, cells, details=details)

    text, page = _render(tmp_path)

    assert page.classes["p95-line"] == 1  # type: ignore[attr-defined]
    assert page.classes["waiting-line"] == 1  # type: ignore[attr-defined]
    assert page.classes["lag-line"] == 1  # type: ignore[attr-defined]
    assert "p95 spiked to 1400 ms on u · io-sync" in text


def test_missing_cell_files_leave_out_the_time_series(tmp_path: Path) -> None:
    write_run(tmp_path, [cell("u", "io-sync")])
    shutil.rmtree(tmp_path / "cells")

    text, page = _render(tmp_path)

    assert "panel" not in page.classes  # type: ignore[attr-defined]
    for title in ("latency over time", "thread-pool occupancy over time", "event-loop lag over time"):
        assert f"No {title} was recorded." in text


def test_repeated_runs_show_their_spread(tmp_path: Path) -> None:
    cells = [cell("u", "io-sync", 360.0, repeats=3, rps_runs=[340.0, 360.0, 380.0], rps_spread=40 / 360)]
    write_run(tmp_path, cells, repeat=3)

    text, page = _render(tmp_path)

    assert "3 runs, spread 11%" in text
    assert page.classes["whisker"] >= 3  # type: ignore[attr-defined]
    assert "<th>spread</th>" in text


def test_repeated_runs_show_their_intervals_and_ties(tmp_path: Path) -> None:
    """--repeat 3 or more (issue 22 §1): the intervals in the table, summary.md and the terminal; a tie."""
    cells = [
        cell("u", "io-sync", 360.0, repeats=3, rps_runs=[340.0, 360.0, 380.0], rps_spread=40 / 360,
             rps_ci=[345.0, 375.0], p95_runs=[30.0, 31.0, 29.0], p95_ci=[29.2, 30.8]),
        cell("g", "io-sync", 350.0, repeats=3, rps_runs=[330.0, 350.0, 370.0], rps_spread=40 / 350,
             rps_ci=[335.0, 365.0], p95_runs=[31.0, 32.0, 30.0], p95_ci=[30.2, 31.8]),
    ]  # fmt: skip
    write_run(tmp_path, cells, repeat=3, repeat_auto=True)

    text, _ = _render(tmp_path)

    assert "<th>req/s 95% CI</th><th>spread</th>" in text and "<td>[345, 375]</td>" in text
    assert "<td>tie: u, g</td>" in text
    assert "up to 3 runs per cell (auto: until the intervals are within 5%)" in text
    md = (tmp_path / "summary.md").read_text()
    assert "| req/s 95% CI |" in md and "| p95 95% CI |" in md and "| [29.2, 30.8] |" in md
    said = terminal.summary_text(tmp_path)
    assert "95% CI req/s [345, 375], p95 [29, 31] ms" in said
    assert "Noise floor: req/s moved by a median" in said and "Noise floor: req/s moved by a median" in text


def test_real_run_renders(tmp_path: Path) -> None:
    out = tmp_path / "run"
    shutil.copytree(REAL_RUN, out)
    meta = json.loads((out / "summary.json").read_text())
    failures = [c for c in meta["cells"] if c["status"] != "ok"]

    text, page = _render(out)

    assert failures  # the sample keeps its failed cells
    assert text.count("<svg") >= 4
    assert page.classes["ceiling"] == len(meta["cells"]) - len(failures)  # type: ignore[attr-defined]
    assert page.classes["p95-line"] >= 1  # type: ignore[attr-defined]
    assert f"{len(failures)} cell(s) failed" in text
    for c in failures:
        assert escape(c["error"]) in text


def test_summary_text_has_table_and_sentences(tmp_path: Path) -> None:
    write_run(tmp_path, _cells())

    text = terminal.summary_text(tmp_path)

    assert "config              scenario" in text  # the terminal's table (tests/compare/test_terminal.py)
    assert "- async I/O served 2.4x the requests of sync I/O on uvicorn-single" in text.replace("\n  ", " ")
    unwrapped = " ".join(line.strip() for line in text.splitlines())
    assert f"- FAILED threadpool-starved · cpu-sync: {REASON}" in unwrapped


def test_a_failed_cell_draws_no_time_series(tmp_path: Path) -> None:
    write_run(tmp_path, [failed("u", "io-sync", "boom"), cell("u", "io-async")])
    # With --repeat, a cell fails as a whole while an earlier run of it left its series behind.
    earlier = {"history": history([100, 200, 300, 400]), "server_timeline": timeline(4, 2, 8)}
    (tmp_path / "cells" / "u__io-sync.json").write_text(json.dumps(earlier))

    text, page = _render(tmp_path)

    assert page.classes["p95-line"] == 1  # io-async only  # type: ignore[attr-defined]
    assert page.classes["waiting-line"] == 1  # type: ignore[attr-defined]
    assert "u · io-sync (failed)" in text


def test_summary_md_keeps_a_failure_on_its_row(tmp_path: Path) -> None:
    write_run(tmp_path, [cell("u", "io-async"), failed("u", "io-sync", "a | b\nc")])

    text = (tmp_path / "summary.md").read_text(encoding="utf-8")

    header, rule, ok, bad = [line for line in text.splitlines() if line.startswith("|")]
    assert header.startswith("| config | scenario | req/s | ceiling | eff. |")
    assert set(rule) == {"|", "-"} and rule.count("|") == header.count("|")
    assert ok.startswith("| u | io-async | 360 |")
    assert bad.startswith("| u | io-sync |") and bad.endswith("| FAILED: a / b c |")
