"""`lab compare --app ...` on bad input (exit 2, nothing started) and on an app that crashes at startup.

The apps and locustfiles are written here into a temporary directory: nothing of them is in the lab. The
bad inputs are refused in this process (tests/cli_support.py: the app is still imported in a process of
its own, as the lab always does); the exit status end to end is tests/commands/test_compare.py's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import refused

pytestmark = pytest.mark.slow

LAB = [sys.executable, "-m", "lab"]

FILES = {
    "svc.py": (
        "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/hello')\nasync def hello():\n"
        "    return {}\n"
    ),
    "crashsvc.py": (
        "import contextlib\nfrom fastapi import FastAPI\n\n@contextlib.asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    raise RuntimeError('cannot reach the database at startup')\n    yield\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    ),
    "load.py": (
        "from locust import HttpUser, task\n\nclass HelloUser(HttpUser):\n    @task\n    def hello(self):\n"
        "        self.client.get('/hello')\n\nclass OtherUser(HttpUser):\n    @task\n    def other(self):\n"
        "        self.client.get('/hello')\n"
    ),
    "nousers.py": "from locust import task\n\nX = 1\n",
}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


SHORT = ["--configs", "uvicorn-single", "--duration", "1", "--warmup", "0", "--calibrate", "0"]


def _compare(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LAB, "compare", *SHORT, *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--app", "svc:app"], r"the catalogue's scenarios .* give --locustfile FILE or --endpoint"),
        (["--app", "svc:app", "--locustfile", "load.py", "--scenarios", "NopeUser"],
         r"unknown scenario 'NopeUser'.*HelloUser, OtherUser"),
        (["--app", "svc:app", "--locustfile", "nousers.py"], r"no (Locust )?User class"),
        (["--app", "svc:app", "--locustfile", "missing.py"], r"missing\.py"),
        (["--app", "nosuchmodule:app", "--endpoint", "GET /hello"], r"No module named 'nosuchmodule'"),
        (["--app", "svc:app", "--endpoint", "FETCH /hello"], r"--endpoint"),
        (["--app", "svc:app", "--endpoint", "GET /hello", "--locustfile", "load.py"], r"choose one"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_before_any_server(
    workdir: Path, args: list[str], expected: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(workdir)  # the app and the locustfiles are named relative to it, as a user does
    err = refused(capsys, "compare", *SHORT, *args, "--out", str(workdir / "out"))
    assert re.search(expected, err, re.IGNORECASE), err
    assert not (workdir / "out").exists()  # nothing started, nothing written


def test_an_app_crashing_at_startup_fails_its_cells_with_the_traceback_and_the_run_goes_on(
    workdir: Path,
) -> None:
    out = workdir / "out"
    done = _compare(
        workdir, "--configs", "uvicorn-single,gunicorn-multi", "--app", "crashsvc:app",
        "--endpoint", "GET /hello", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    cells = json.loads((out / "summary.json").read_text())["cells"]
    assert [c["config"] for c in cells] == ["uvicorn-single", "gunicorn-multi"]  # the run went on
    for cell in cells:
        assert cell["status"] != "ok"
        assert "RuntimeError: cannot reach the database at startup" in cell["error"]
