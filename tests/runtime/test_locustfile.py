"""user_classes: a user's locustfile read in a child process; its classes, or a LocustfileError saying why."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.runtime.locustfile import LocustfileError, user_classes
from lab.shared.scenarios import UserClassInfo

USERS = '''
from locust import HttpUser, TaskSet, task


class Browse(TaskSet):
    @task
    def item(self):
        self.client.get("/items/1")


class ItemUser(HttpUser):
    """Reads items."""

    tasks = [Browse]


class AdminUser(HttpUser):
    @task
    def stats(self):
        self.client.get("/stats")
'''

SHAPE = """
from locust import LoadTestShape


class Ramp(LoadTestShape):
    def tick(self):
        return None
"""


def write(tmp_path: Path, text: str, name: str = "users.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_user_classes_are_typed(tmp_path: Path) -> None:
    path = write(tmp_path, USERS)
    item, admin = user_classes(path)
    assert item == UserClassInfo(
        name="ItemUser", base="HttpUser", file=str(path), doc="Reads items.", host=None,
        weight=1.0, fixed_count=0, tasks=("Browse",),
    )  # fmt: skip
    assert admin.name == "AdminUser" and admin.tasks == ("stats",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 1\n", "has no Locust User class"),
        ("import shop_client_that_is_not_installed\n", "No module named 'shop_client_that_is_not_installed'"),
        ("raise SystemExit(3)\n", "SystemExit: 3"),
        (USERS + SHAPE, "defines the load shape Ramp: Locust would follow it"),
    ],
    ids=["no-user", "import-error", "exit-on-import", "shape"],
)
def test_bad_locustfile_says_why(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LocustfileError) as caught:
        user_classes(path)
    assert expected in str(caught.value)
    assert str(path) in str(caught.value) or "locustfile" in str(caught.value)


def test_missing_file_and_comma_in_path(tmp_path: Path) -> None:
    with pytest.raises(LocustfileError, match="no such file"):
        user_classes(tmp_path / "nowhere.py")
    with pytest.raises(LocustfileError, match="splits -f at commas"):
        user_classes(write(tmp_path, USERS, "a,b.py"))


def test_a_file_that_hangs_on_import_is_stopped(tmp_path: Path) -> None:
    path = write(tmp_path, "import time\ntime.sleep(60)\n")
    with pytest.raises(LocustfileError, match="not loaded within 1 s"):
        user_classes(path, timeout=1)
