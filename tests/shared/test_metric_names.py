"""A metric name is written once, in lab.shared.metric_names (issue 27): the server, the exporter and
every reader import it. Dashboards, rules and their tests necessarily repeat names: they use declared ones."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lab.shared import metric_names

ROOT = Path(__file__).resolve().parents[2]
DECLARING = ROOT / "lab" / "shared" / "metric_names.py"
KNOWN = metric_names.exported() | metric_names.DECLARED
# A metric-like token: the lab's prefixes, and a unit or a sample suffix.
LOOKS_LIKE = re.compile(
    r"^(http|lab|locust)_[a-z0-9_]+_(total|seconds|bytes|bucket|sum|count|info|inprogress|tokens|lost)$"
)
TOKEN = re.compile(r"\b(?:http|lab|locust)_[a-z0-9_]+\b")
RECORDED = re.compile(r"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b")  # level:metric:operations


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def metric_literals(source: str) -> list[tuple[int, str]]:
    """(line, name) of every metric name written in a string literal of `source` (docstrings aside)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found += [
                (node.lineno, token)
                for token in TOKEN.findall(node.value)
                if token in KNOWN or LOOKS_LIKE.match(token)
            ]
    return found


def test_the_detector_sees_names_in_literals_and_promql_but_not_in_docstrings() -> None:
    source = (
        '"""Reads http_requests_total."""\n'
        'A = "lab_threadpool_waiting"\n'
        'B = f"rate(locust_requests_total[1m])"\n'
    )
    assert metric_literals(source) == [(2, "lab_threadpool_waiting"), (3, "locust_requests_total")]
    assert metric_literals('KEY = "lab_metrics"\nOPT = "lab_config"\n') == []


def test_no_metric_name_is_written_outside_its_declaring_module() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in sorted((ROOT / "lab").rglob("*.py"))
        if path != DECLARING
        for line, name in metric_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "import the name from lab.shared.metric_names:\n" + "\n".join(offenders)


def test_every_declared_name_has_units_or_a_known_suffix() -> None:
    for name in metric_names.exported():
        assert LOOKS_LIKE.match(name) or name.endswith(("_waiting", "_pending", "_in_use", "_size", "_users",
                                                         "_saturated")), name  # fmt: skip


FILES = sorted(
    [*(ROOT / "grafana" / "dashboards").glob("*.json"), *(ROOT / "prometheus").rglob("*.yml")],
    key=str,
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dashboards_and_rules_query_only_declared_names(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yml":
        text = re.sub(r"(?m)#.*$", "", text)  # comments name files such as http_test.yml
    text = RECORDED.sub("", text)
    used = set(TOKEN.findall(text))
    assert used - KNOWN == set(), f"{path.name} queries names lab.shared.metric_names does not declare"


def test_dashboards_use_the_names() -> None:
    """The check above reads something: the dashboards query the server's and Locust's metrics."""
    text = " ".join(p.read_text(encoding="utf-8") for p in FILES)
    assert metric_names.total(metric_names.HTTP_REQUESTS) in text
    assert metric_names.LOCUST_RUN_INFO in text
