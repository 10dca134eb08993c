"""lab.compare.run.asked: the Plan checks itself before anything starts (every message of exit 2 kept)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lab.compare.run.asked import Asked, build, swept_configs
from lab.compare.run.gates import Gates
from lab.compare.run.plan import PlanError
from lab.runtime.generator import Generator
from lab.shared.configs import ConfigError, get, load_catalogue
from lab.shared.scenarios import get_scenario
from lab.shared.target import AppInfo, AppTarget


def _no_gates(configs: Sequence[str], scenarios: Sequence[str], planned: set[tuple[str, str]]) -> Gates:
    return Gates()


def _no_apps(targets: dict[str, AppTarget], scenarios: list[Any]) -> dict[AppTarget, AppInfo]:
    return {}


def asked(tmp_path: Path, **changes: Any) -> Asked:
    base = get(load_catalogue(), "uvicorn-single")
    found = Asked(
        bases=[base], configs=[base], set_swept={}, scenarios=[get_scenario("io-sync")], targets={},
        custom=False, users=[10], rates=[], repeat=1, duration_s=2.0, warmup_s=1.0, calibrate_s=None,
        out=tmp_path / "run", generator=lambda: Generator(processes=0), gates_of=_no_gates, apps_of=_no_apps,
    )  # fmt: skip
    return replace(found, **changes)


def test_a_valid_ask_is_a_plan(tmp_path: Path) -> None:
    plan = build(asked(tmp_path, users=[4, 16], parameters={"--io-ms": 50}))
    assert plan.users == 4 and plan.sweep.users == [4, 16]
    assert plan.options == {"--io-ms": "50"}
    assert plan.max_failure_ratio == 0.01
    assert plan.planned() == {("uvicorn-single@users=4", "io-sync"), ("uvicorn-single@users=16", "io-sync")}
    assert not plan.needs_postgres
    assert not (tmp_path / "run").exists()  # nothing written while checking


def test_every_cheap_problem_is_named_at_once_in_order(tmp_path: Path) -> None:
    def bad_generator() -> Generator:
        raise ValueError("--master-port 0: must be between 1 and 65535")

    with pytest.raises(PlanError) as caught:
        build(asked(tmp_path, users=[0], repeat=30, parameters={"--io-ms": 20000}, generator=bad_generator))
    assert str(caught.value) == (
        "--users 0: must be between 1 and 5000; --repeat 30: must be between 1 and 20; "
        "--io-ms 20000: must be between 0 and 10000; --master-port 0: must be between 1 and 65535"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"configs": []}, "--configs and --scenarios need at least one name each"),
        ({"rates": [50.0], "custom": True}, "--rate drives the lab's own users"),
        ({"calibrate_s": 0.5}, "--calibrate: must be 0 (off) or between 1 s and 10 min"),
        ({"port": 70000}, "--port 70000: must be between 1 and 65535"),
        ({"max_failure_ratio": 1.5}, "--max-failure-ratio 1.5: must be between 0 and 1"),
        ({"max_failure_ratio": -0.1}, "--max-failure-ratio -0.1: must be between 0 and 1"),
        ({"baseline": Path("/nonexistent")}, "--baseline /nonexistent: no summary.json there"),
    ],
)
def test_a_bad_ask_is_a_plan_error(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(asked(tmp_path, **changes))


def test_the_gates_are_checked_against_the_planned_cells_before_the_app(tmp_path: Path) -> None:
    seen: list[Any] = []

    def gates_of(configs: Sequence[str], scenarios: Sequence[str], planned: set[tuple[str, str]]) -> Gates:
        seen.append((list(configs), list(scenarios), planned))
        raise ValueError("--check: no such scenario")

    def apps_of(targets: dict[str, AppTarget], scenarios: list[Any]) -> dict[AppTarget, AppInfo]:
        raise AssertionError("the app is imported only once the gates passed")

    with pytest.raises(PlanError, match="--check: no such scenario"):
        build(asked(tmp_path, gates_of=gates_of, apps_of=apps_of))
    assert seen == [(["uvicorn-single"], ["io-sync"], {("uvicorn-single", "io-sync")})]


def test_an_earlier_result_directory_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "summary.json").write_text("{}", encoding="utf-8")
    with pytest.raises(PlanError, match="already holds a comparison"):
        build(asked(tmp_path))


def test_set_sweeps_every_configuration_and_refuses_an_unknown_key() -> None:
    base = get(load_catalogue(), "uvicorn-single")
    configs, keys = swept_configs([base], ["threadpool=4,8"])
    assert [c.name for c in configs] == ["uvicorn-single[threadpool=4]", "uvicorn-single[threadpool=8]"]
    assert keys == {"threadpool": ["4", "8"]}
    with pytest.raises(ConfigError, match="not a key to sweep"):
        swept_configs([base], ["colour=red"])
    with pytest.raises(ConfigError, match="expected KEY=V1"):
        swept_configs([base], ["threadpool"])
