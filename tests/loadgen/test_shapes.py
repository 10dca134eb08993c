"""Load shapes: each tick() follows its class data on a fake clock, also scaled (--shape-scale); a short
stages shape and a scaled lab shape drive real runs that end by themselves."""

from __future__ import annotations

import csv
from contextlib import ExitStack
from pathlib import Path

import pytest

from lab.runtime.launcher import Server
from lab.shared.scenarios import LOCUSTFILES, SCENARIOS, get_scenario
from tests.locust_support import LocustProcess, LocustResult, run_locust, run_python

SHAPES = sorted(str(p) for p in (LOCUSTFILES / "shapes").glob("*.py"))

# Loads a shape file with Locust's loader next to a locustfile (as `-f io_wait.py,shapes/x.py` does), then
# calls tick() on a fake clock at the given times, then again with --shape-scale 0.1 (a runner whose options
# say so) at a tenth of half-step times (never on a boundary). In a subprocess: importing Locust patches.
_TICKS = """
import json, sys
from types import SimpleNamespace
from locust.util.load_locustfile import load_locustfile
users, _ = load_locustfile(sys.argv[1])
out = {"users": sorted(users)}
for path in sys.argv[2:]:
    user_classes, shapes = load_locustfile(path)
    (shape,) = shapes
    data = {k: getattr(shape, k) for k in ("stages", "step_users", "step_duration", "steps", "spawn_rate")
            if hasattr(shape, k)}
    ticks = []
    for t in [i / 10 for i in range(0, 4000)]:
        shape.get_run_time = lambda t=t: t
        ticks.append([t, shape.tick()])
    options = SimpleNamespace(shape_scale=0.1)
    shape.runner = SimpleNamespace(environment=SimpleNamespace(parsed_options=options))
    scaled = []
    for t in [(i + 0.5) / 100 for i in range(0, 4000)]:
        shape.get_run_time = lambda t=t: t
        scaled.append([t, shape.tick()])
    out[path] = {"class": type(shape).__name__, "users": sorted(user_classes), "data": data, "ticks": ticks,
                 "scaled": scaled}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def shapes() -> dict[str, dict[str, object]]:
    return run_python(_TICKS, str(get_scenario("io-sync").path), *SHAPES)


def _expected_from_stages(stages: list[dict[str, float]], t: float) -> list[float] | None:
    end = 0.0
    for stage in stages:
        end += stage["duration"]
        if t < end:
            return [stage["users"], stage["spawn_rate"]]
    return None


@pytest.mark.slow
def test_every_shape_file_holds_one_shape_and_loads_beside_a_locustfile(shapes: dict[str, dict]) -> None:
    io_users = sorted(s.user_class for s in SCENARIOS.values() if s.locustfile.endswith("io_wait.py"))
    assert shapes["users"] == io_users
    assert {Path(p).stem for p in SHAPES} == {"step", "spike", "ramp_hold"}
    assert all(shapes[p]["users"] == [] for p in SHAPES)


@pytest.mark.parametrize("name", ["spike", "ramp_hold"])
def test_stages_shape_ticks_follow_its_stages(shapes: dict[str, dict], name: str) -> None:
    shape = shapes[str(LOCUSTFILES / "shapes" / f"{name}.py")]
    stages = shape["data"]["stages"]
    assert len(stages) >= 2
    for t, tick in shape["ticks"]:
        assert tick == _expected_from_stages(stages, t), (t, tick)
    total = sum(s["duration"] for s in stages)
    assert shape["ticks"][-1][1] is None and total < 400  # stops after the last stage


def test_spike_and_ramp_hold_are_what_their_names_say(shapes: dict[str, dict]) -> None:
    spike = [s["users"] for s in shapes[str(LOCUSTFILES / "shapes" / "spike.py")]["data"]["stages"]]
    assert spike[0] == spike[-1] < max(spike)  # baseline, spike, back to the baseline
    ramp = shapes[str(LOCUSTFILES / "shapes" / "ramp_hold.py")]["data"]["stages"]
    assert ramp[0]["users"] == ramp[1]["users"]
    assert ramp[0]["users"] / ramp[0]["spawn_rate"] == pytest.approx(ramp[0]["duration"])  # ramps all stage 1


def test_step_shape_adds_step_users_every_step(shapes: dict[str, dict]) -> None:
    shape = shapes[str(LOCUSTFILES / "shapes" / "step.py")]
    d = shape["data"]
    for t, tick in shape["ticks"]:
        step = int(t // d["step_duration"])
        assert tick == ([(step + 1) * d["step_users"], d["spawn_rate"]] if step < d["steps"] else None), t
    assert shape["ticks"][0][1] == [d["step_users"], d["spawn_rate"]]


@pytest.mark.parametrize("name", ["spike", "ramp_hold", "step"])
def test_shape_scale_runs_the_same_shape_on_a_shorter_clock(shapes: dict[str, dict], name: str) -> None:
    shape = shapes[str(LOCUSTFILES / "shapes" / f"{name}.py")]
    unscaled = _ticks_at(shape, [t * 10 for t, _ in shape["scaled"]])
    assert any(tick is None for _, tick in shape["scaled"])  # it ends within a tenth of its time
    for (t, tick), expected in zip(shape["scaled"], unscaled, strict=True):
        if expected is None:
            assert tick is None, t
        else:  # the same users a tenth of the time in, spawned ten times as fast: each ramp fills its stage
            assert tick[0] == expected[0] and tick[1] == pytest.approx(expected[1] * 10), (t, tick, expected)


def _ticks_at(shape: dict[str, dict], times: list[float]) -> list[list[float] | None]:
    """The unscaled tick at each time, from the shape's class data."""
    d = shape["data"]
    if "stages" in d:
        return [_expected_from_stages(d["stages"], t) for t in times]
    steps = [int(t // d["step_duration"]) for t in times]
    return [[(s + 1) * d["step_users"], d["spawn_rate"]] if s < d["steps"] else None for s in steps]


SHORT_SHAPE = """
from lab.loadgen.shapes import StagesShape


class ShortShape(StagesShape):
    stages = [
        {"duration": 2, "users": 1, "spawn_rate": 10},
        {"duration": 2, "users": 3, "spawn_rate": 10},
    ]
"""


@pytest.mark.slow
@pytest.mark.serial  # the users a real run had, second by second
def test_stages_shape_drives_a_real_run_and_ends_it(single_server: Server, tmp_path: Path) -> None:
    shape_file = tmp_path / "short_shape.py"
    shape_file.write_text(SHORT_SHAPE)
    noop = get_scenario("noop-async")
    result = run_locust(
        [noop.path, shape_file],
        [noop.user_class],
        host=single_server.url,
        out_dir=tmp_path / "out",
        users=None,
        run_time=None,
        timeout=30,
        args=["--csv", str(tmp_path / "out" / "run"), "--csv-full-history"],
    )
    assert result.returncode == 0, result.log
    assert "Shape test completed" in result.log
    with (tmp_path / "out" / "run_stats_history.csv").open() as f:
        users = [int(row["User Count"]) for row in csv.DictReader(f)]
    assert 1 in users and 3 in users and max(users) == 3, users
    assert users.index(3) > users.index(1)
    assert result.metric("locust_requests_total", name="/noop/async") == result.locust_requests("/noop/async")


@pytest.mark.slow
@pytest.mark.serial  # the users a real run had, second by second
def test_shape_scale_shortens_a_lab_shape_from_the_command_line(
    single_server: Server, tmp_path: Path
) -> None:
    """ramp_hold takes 5 minutes; at --shape-scale 0.01, 3 s: ramp to 50 users in 0.6 s, hold, stop. Locust
    asks the shape each second and its history has a row each second: the rows at 1 and 2 s are in the
    hold."""
    io = get_scenario("io-async")
    result = run_locust(
        [io.path, LOCUSTFILES / "shapes" / "ramp_hold.py"],
        [io.user_class],
        host=single_server.url,
        out_dir=tmp_path / "out",
        users=None,
        run_time=None,
        timeout=60,  # unscaled, it would still be running: the run would fail here
        args=["--shape-scale", "0.01", "--io-ms", "200", "--csv", str(tmp_path / "out" / "run"),
              "--csv-full-history"],
    )  # fmt: skip
    assert result.returncode == 0, result.log
    assert "Shape test completed" in result.log
    with (tmp_path / "out" / "run_stats_history.csv").open() as f:
        users = [int(row["User Count"]) for row in csv.DictReader(f)]
    assert max(users) == 50, users
    assert result.locust_requests("/io/async") > 0


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LocustResult]:
    """A scale of 0 on the command line and of -1 in the environment, both Locusts started at once (each
    exits in its start-up: no server, no load)."""
    io = get_scenario("io-async")
    with ExitStack() as stack:
        runs = {
            how: stack.enter_context(LocustProcess(
                [io.path, LOCUSTFILES / "shapes" / "spike.py"], [io.user_class], host="http://127.0.0.1:9",
                out_dir=tmp_path_factory.mktemp(how), users=None, run_time=None,
                args=["--shape-scale", "0"] if how == "flag" else [],
                env={"LAB_SHAPE_SCALE": "-1"} if how == "env" else {},
            ))
            for how in ("flag", "env")
        }  # fmt: skip
        return {how: run.wait() for how, run in runs.items()}


@pytest.mark.slow
@pytest.mark.parametrize("how", ["flag", "env"])
def test_shape_scale_must_be_positive(refused: dict[str, LocustResult], how: str) -> None:
    result = refused[how]
    assert result.returncode != 0
    assert "--shape-scale" in result.log and "must be greater than 0" in result.log, result.log
