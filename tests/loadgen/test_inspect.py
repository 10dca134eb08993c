"""`python -m lab.loadgen.inspect FILE`: a locustfile's User classes by Locust's loader, or exit 2 and why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.locust_support import REPO

USERS = '''
"""A user's locustfile: plain Locust, nothing of the lab."""
from locust import FastHttpUser, HttpUser, LoadTestShape, TaskSet, between, constant, task

print("imported")  # a locustfile's prints must not spoil the JSON


class Browse(TaskSet):
    @task
    def item(self):
        self.client.get("/items/1")


class Base(HttpUser):
    abstract = True
    wait_time = between(0, 0.1)


class ItemUser(Base):
    """Reads items."""

    host = "http://127.0.0.1:8000"
    weight = 3

    def on_start(self):
        self.client.get("/login")

    @task(3)
    def one(self):
        self.client.get("/items/1")

    @task
    def two(self):
        self.client.get("/items/2")


class BrowseUser(FastHttpUser):
    tasks = [Browse]
    wait_time = constant(0)
    fixed_count = 2


class Steps(LoadTestShape):
    def tick(self):
        return None
'''


def inspect(path: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lab.loadgen.inspect", str(path)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)


def test_lists_concrete_user_classes_and_shapes(tmp_path: Path) -> None:
    path = tmp_path / "shop.py"
    path.write_text(USERS)
    done = inspect(path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["shapes"] == ["Steps"]
    # Base (abstract), HttpUser and FastHttpUser (imported, abstract) are not scenarios, as in Locust
    assert [u["name"] for u in found["users"]] == ["ItemUser", "BrowseUser"]
    item, browse = found["users"]
    assert item == {
        "name": "ItemUser", "base": "HttpUser", "file": str(path), "doc": "Reads items.",
        "host": "http://127.0.0.1:8000", "weight": 3.0, "fixed_count": 0, "tasks": ["one", "two"],
        "wait_time": "between(0, 0.1)",
    }  # fmt: skip
    assert browse["base"] == "FastHttpUser" and browse["tasks"] == ["Browse"]
    assert browse["wait_time"] == "constant(0)"
    assert browse["doc"] is None and browse["host"] is None and browse["fixed_count"] == 2
    assert "imported" in done.stderr


def test_no_user_class_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("from locust import HttpUser\n\n\nclass Base(HttpUser):\n    abstract = True\n")
    done = inspect(path)
    assert done.returncode == 2
    assert "has no Locust User class" in done.stderr and str(path) in done.stderr


def test_import_error_exits_2_with_its_tail(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("from locust import HttpUser\nimport shop_client_that_is_not_installed\n")
    done = inspect(path)
    assert done.returncode == 2
    assert "does not import" in done.stderr
    assert "ModuleNotFoundError: No module named 'shop_client_that_is_not_installed'" in done.stderr
    assert 'broken.py", line 2' in done.stderr  # where, in the user's file


def test_missing_file_exits_2(tmp_path: Path) -> None:
    done = inspect(tmp_path / "nowhere.py")
    assert done.returncode == 2
    assert "no such file" in done.stderr
