"""prometheus/: the scrape config and recording rules pass promtool, and the rules' unit tests pass."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
# level:metric:operations (kubernetes-mixin naming), e.g. config_handler:http_requests:rate1m
RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z0-9_]+$")


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not on PATH: run `make prometheus` (Debian package `prometheus`)")
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=60, cwd=ROOT)


def recorded_names() -> list[str]:
    return [
        rule["record"]
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "record" in rule
    ]


def test_there_are_rules_and_rule_tests() -> None:
    assert RULE_FILES
    assert RULE_TESTS


@pytest.mark.slow
def test_promtool_checks_the_native_config_with_its_rules_and_targets() -> None:
    result = promtool("check", "config", PROMETHEUS / "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr  # e.g. a missing target file


@pytest.mark.slow
def test_promtool_checks_the_config_as_docker_compose_mounts_it(tmp_path: Path) -> None:
    # docker-compose.yml mounts targets-docker/ over targets/: the same prometheus.yml must accept it.
    shutil.copy(PROMETHEUS / "prometheus.yml", tmp_path)
    shutil.copytree(PROMETHEUS / "rules", tmp_path / "rules")
    shutil.copytree(PROMETHEUS / "targets-docker", tmp_path / "targets")
    result = promtool("check", "config", tmp_path / "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.slow
def test_promtool_checks_the_rules() -> None:
    result = promtool("check", "rules", *RULE_FILES)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_rule_unit_tests_pass() -> None:
    result = promtool("test", "rules", *RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rule_names_follow_level_metric_operations() -> None:
    names = recorded_names()
    assert len(names) == len(set(names))
    assert [n for n in names if not RULE_NAME.match(n)] == []
    for name in (
        "config_handler:http_requests:rate1m",
        "config_handler:http_request_duration_seconds:p50_1m",
        "config_handler:http_request_duration_seconds:p95_1m",
        "config_handler:http_request_duration_seconds:p99_1m",
    ):
        assert name in names


def test_every_recorded_series_is_unit_tested() -> None:
    tested = {
        case["expr"]
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("promql_expr_test", [])
    }
    assert [n for n in recorded_names() if not any(n in expr for expr in tested)] == []


def test_every_rule_keeps_configurations_apart() -> None:
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                by_clauses = re.findall(r"by \(([^)]*)\)", rule["expr"])
                assert all("config" in clause for clause in by_clauses), rule["record"]
