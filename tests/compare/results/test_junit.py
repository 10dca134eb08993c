"""--junit FILE (issue 12 §3): one test case per cell, per check and per regression, read back with
ElementTree the way a CI system reads it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from lab.compare.report import diff
from lab.compare.results import junit
from lab.compare.results.checks import evaluate, parse_all
from tests.compare.support import cell, failed, summary


def test_cells_checks_and_regressions(tmp_path: Path) -> None:
    cells = [cell("u", "io-sync", 300.0), failed("u", "io-async", "the server died: exit 3")]
    verdicts = evaluate(parse_all(["p95_ms<200", "rps>100"], ["u"], ["io-sync", "io-async"]), cells)
    baseline = [cell("u", "io-sync", 400.0)]
    verdicts += diff.regressions(diff.compare(summary(baseline), summary(cells)), 10.0)
    path = tmp_path / "junit.xml"

    junit.write(path, cells, verdicts)

    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "8", "failures": "3", "errors": "1", "skipped": "2",
    }  # fmt: skip
    suites = {s.get("name"): s for s in root}
    assert list(suites) == ["cells", "checks", "regressions"]

    cases = suites["cells"].findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("lab.cells.u", "io-sync"),
        ("lab.cells.u", "io-async"),
    ]
    error = cases[1].find("error")
    assert error is not None and error.get("message") == "the server died: exit 3"

    checks = suites["checks"].findall("testcase")
    assert [c.get("name") for c in checks] == ["p95_ms<200", "p95_ms<200", "rps>100", "rps>100"]
    failure = checks[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "u · io-sync: p95_ms = 433.3, bound < 200 (failed)"
    assert checks[1].find("skipped") is not None  # its cell failed
    assert checks[2].find("failure") is None and checks[2].find("skipped") is None

    regressions = suites["regressions"].findall("testcase")
    assert [c.get("name") for c in regressions] == ["req/s drop <= 10%", "p95 rise <= 10%"]
    failure = regressions[0].find("failure")
    assert failure is not None and "req/s 300 against 400 in the baseline (-25.0%, " in (
        failure.get("message") or ""
    )


def test_no_verdicts_gives_the_cells_alone() -> None:
    root = ET.fromstring(junit.document([cell()], []))

    assert [s.get("name") for s in root] == ["cells"]
    assert root.get("tests") == "1" and root.get("failures") == "0"
