"""What `lab tune` writes and returns for each way a search ends: exit 0 with the capacity and a USL fit,
3 when no point meets the SLOs, 1 when the first cell fails, 130 when interrupted.

In-process, on the world of tests/tune/support.py (a thread pool of 30 ms calls) in place of the compare
runner: the real runner is held to the same outcomes by tests/tune/test_session.py, on a real app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.compare.results.summary import Cell
from lab.compare.run.plan import Plan
from lab.compare.run.points import LoadPoint
from lab.shared.configs import ServerConfig, load_catalogue
from lab.shared.scenarios import SCENARIOS, select
from lab.tune import slo
from lab.tune.cells import Interrupted, Runner
from lab.tune.search import Candidate
from lab.tune.session import Request, tune
from lab.tune.space import Space
from tests.tune.support import cell


class World(Runner):
    """Each point measured by the world's physics; `fail` and `stop` make the first cell fail, or the
    n-th raise Ctrl-C. `users_cap`: from how many users p95 passes any bound (the capacity's knee)."""

    def __init__(self, plan: Plan, fail: bool = False, stop: int | None = None) -> None:
        super().__init__(plan)
        self.fail, self.stop = fail, stop

    def measure(self, cfg: ServerConfig, calibrate: bool, point: LoadPoint | None = None) -> Cell:
        self.count += 1
        if self.stop is not None and self.count >= self.stop:
            raise Interrupted
        users = point.users if point is not None else self.plan.users
        made = cell(Candidate(cfg, {}, 1), users=users, calibrate=calibrate)
        if self.fail:
            return made.model_copy(update={"status": "failed", "error": "port busy", "rps": None})
        return made


def request(tmp_path: Path, slos: list[str], steps: int = 0) -> Request:
    plan = Plan(
        configs=[load_catalogue()["uvicorn-single"]], scenarios=select(SCENARIOS, ["io-sync"]), users=32,
        duration_s=1.0, warmup_s=0.0, repeat=1, out=tmp_path,
    )  # fmt: skip
    space = Space({"threadpool": ["2", "4", "8", "16", "32", "64"]})
    return Request(plan, space, slo.parse_all(slos, "io-sync"), budget=3, capacity_steps=steps)


def written(tmp_path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((tmp_path / "tune.json").read_text())
    assert (tmp_path / "report.html").is_file()
    return found


def test_a_pick_exits_0_with_its_capacity_and_a_usl_fit_along_the_users(tmp_path: Path) -> None:
    req = request(tmp_path, ["p95_ms<200"], steps=5)
    assert tune(req, World(req.plan)) == 0
    found = written(tmp_path)
    assert found["pick"] in ("uvicorn-single[threadpool=32]", "uvicorn-single[threadpool=64]")
    assert found["cells_measured"] == 1 and found["capacity_cells"] == 5
    # p95 = 1.3 x users x 30 ms / min(users, 64): the SLO of 200 ms holds while the users stay at or under
    # 64 x 200 / (1.3 x 30) = 328.
    assert found["capacity"]["at_least"] <= 328 < (found["capacity"]["below"] or 10_000)
    assert found["usl"]["axis"] == "users" and found["usl"]["label"] == "extrapolation"
    assert (tmp_path / "tuned.toml").read_text().startswith("# lab tune's pick")


def test_no_point_meeting_the_slos_exits_3_and_names_the_closest(tmp_path: Path) -> None:
    req = request(tmp_path, ["p95_ms<1"])
    assert tune(req, World(req.plan)) == 3
    found = written(tmp_path)
    assert found["pick"] is None and found["closest"] and "missed by" in found["closest"]
    assert found["cells_measured"] == 3 and not (tmp_path / "tuned.toml").exists()


def test_a_first_cell_that_fails_exits_1(tmp_path: Path) -> None:
    req = request(tmp_path, ["p95_ms<200"])
    assert tune(req, World(req.plan, fail=True)) == 1
    found = written(tmp_path)
    assert "port busy" in found["advice"] and found["cells_measured"] == 1


def test_ctrl_c_exits_130_with_what_was_measured_written(tmp_path: Path) -> None:
    req = request(tmp_path, ["p95_ms<1"])
    assert tune(req, World(req.plan, stop=2)) == 130
    found = written(tmp_path)
    assert found["interrupted"] and found["cells_measured"] == 1
