"""`--junit FILE`: a comparison as JUnit XML, the format CI systems read (issue 12 §3).

Three test suites: `cells` (one test case per cell; a failed cell is an <error> with its reason),
`checks` (one per check and cell; a failed check is a <failure> whose message holds the measured value
and the bound) and `regressions` (one per gated metric and matched cell, the same way). A skipped verdict
(its cell failed, or a latency not at steady state) is <skipped> with the reason. Written with the
standard library's ElementTree: the format is a handful of elements.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from lab.compare.results.summary import Cell
from lab.compare.results.verdicts import Verdict
from lab.shared.output import atomic_write, fmt


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=name, tests="0", failures="0", errors="0", skipped="0")


def _count(suite: ET.Element, key: str) -> None:
    suite.set(key, str(int(suite.get(key, "0")) + 1))


def _cell_case(suite: ET.Element, cell: Cell) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=f"lab.cells.{cell.config}", name=cell.scenario,
        time=f"{cell.duration_s or 0:.3f}",
    )  # fmt: skip
    _count(suite, "tests")
    if cell.status != "ok":
        error = ET.SubElement(case, "error", message=cell.error or "the cell failed", type="CellFailed")
        error.text = cell.error or ""
        _count(suite, "errors")
        return
    out = ET.SubElement(case, "system-out")
    out.text = f"req/s {fmt(cell.rps)}, p95 {fmt(cell.p95_ms)} ms, failures {fmt(cell.failures)}"


def _verdict_case(suite: ET.Element, verdict: Verdict) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=f"lab.{verdict.kind}s.{verdict.config}.{verdict.scenario}",
        name=verdict.name, time="0",
    )  # fmt: skip
    _count(suite, "tests")
    if verdict.outcome == "failed":
        failure = ET.SubElement(
            case, "failure", message=verdict.message, type=f"{verdict.kind.title()}Failed"
        )
        failure.text = verdict.message
        _count(suite, "failures")
    elif verdict.outcome == "skipped":
        ET.SubElement(case, "skipped", message=verdict.message)
        _count(suite, "skipped")


def document(cells: Sequence[Cell], verdicts: Sequence[Verdict], name: str = "lab compare") -> str:
    """The XML text: <testsuites> with the cells, the checks and the regressions (a suite each)."""
    root = ET.Element("testsuites", name=name)
    cell_suite = _suite(root, "cells")
    for cell in cells:
        _cell_case(cell_suite, cell)
    for kind in ("check", "regression"):
        chosen = [v for v in verdicts if v.kind == kind]
        if chosen:
            suite = _suite(root, f"{kind}s")
            for verdict in chosen:
                _verdict_case(suite, verdict)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(path: Path, cells: Sequence[Cell], verdicts: Sequence[Verdict], name: str = "lab compare") -> None:
    atomic_write(path, document(cells, verdicts, name))
