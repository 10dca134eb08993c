"""The load as it was (issue 21 §5): users, spawn rate and each class's wait time as Locust sees it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lab.compare.report import tables
from lab.shared.scenarios import UserClassInfo, custom_scenarios
from tests.compare.support import cell, meta

ROOT = Path(__file__).resolve().parents[3]
LOCUSTFILE = """from locust import HttpUser, between, task


class Waits(HttpUser):
    wait_time = between(0.5, 1.5)

    @task
    def one(self):
        self.client.get("/")


class Hurries(HttpUser):
    @task
    def one(self):
        self.client.get("/")
"""


def _classes(path: Path) -> list[UserClassInfo]:
    """What `python -m lab.loadgen.inspect` finds in `path` (a Locust process of its own)."""
    done = subprocess.run(
        [sys.executable, "-m", "lab.loadgen.inspect", str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [UserClassInfo(**{**c, "tasks": tuple(c["tasks"])}) for c in json.loads(done.stdout)["users"]]


def test_the_load_line_names_each_wait_and_no_wait_only_when_none(tmp_path: Path) -> None:
    path = tmp_path / "locustfile.py"
    path.write_text(LOCUSTFILE)
    found = custom_scenarios(path, _classes(path))
    assert {name: s.wait_time for name, s in found.items()} == {"Waits": "between(0.5, 1.5)",
                                                                 "Hurries": "constant(0)"}  # fmt: skip
    cells = [cell("u", "Waits")]

    waits = meta(cells, users=40, wait_times={"Waits": found["Waits"].wait_time})
    assert tables.load_text(waits) == "40 users, spawn rate 40/s (closed loop, wait between(0.5, 1.5))"
    none = meta(cells, users=40, wait_times={"Hurries": found["Hurries"].wait_time})
    assert tables.load_text(none) == "40 users, spawn rate 40/s (closed loop, no wait)"
    both = meta(cells, users=40, wait_times={s.name: s.wait_time for s in found.values()})
    assert tables.load_text(both).endswith("(closed loop, wait Waits between(0.5, 1.5), Hurries constant(0))")
    lab_users = meta(cells, users=20, sweeps={"users": ["4", "16"]})
    assert tables.load_text(lab_users) == "4, 16 users, spawn rate = users/s (closed loop, no wait)"
