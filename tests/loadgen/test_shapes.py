"""Load shapes: each tick() follows its class data on a fake clock; a short stages shape drives a real run."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lab.runtime.launcher import Server
from lab.shared.scenarios import LOCUSTFILES, SCENARIOS, get_scenario
from tests.locust_support import run_locust, run_python

SHAPES = sorted(str(p) for p in (LOCUSTFILES / "shapes").glob("*.py"))

# Loads a shape file with Locust's loader next to a locustfile (as `-f io_wait.py,shapes/x.py` does), then
# calls tick() on a fake clock at the given times. In a subprocess: importing Locust monkey-patches.
_TICKS = """
import json, sys
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
    out[path] = {"class": type(shape).__name__, "users": sorted(user_classes), "data": data, "ticks": ticks}
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


SHORT_SHAPE = """
from lab.loadgen.shapes import StagesShape


class ShortShape(StagesShape):
    stages = [
        {"duration": 2, "users": 1, "spawn_rate": 10},
        {"duration": 2, "users": 3, "spawn_rate": 10},
    ]
"""


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
