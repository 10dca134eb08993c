"""`lab serve` and `lab configs` as a user runs them: real processes, signals, exit codes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli_support import refused
from tests.conftest import free_port
from tests.metrics_support import samples

LAB = [sys.executable, "-m", "lab"]


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*LAB, "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_serving(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("serving "):
            return line.split()[1]
        if not line and proc.poll() is not None:
            break
    proc.kill()
    _, err = proc.communicate(timeout=30)
    raise AssertionError(f"lab serve did not start: {err}")


def _running(pid: int) -> bool:
    """Not exited: a zombie has (an orphan waits for the system's init to reap it, seconds on some VMs)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _descendants(pid: int) -> list[int]:
    return [p.pid for p in psutil.Process(pid).children(recursive=True)]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_the_whole_tree(sig: signal.Signals) -> None:
    proc = _start("gunicorn-multi", "--port", str(free_port()))
    url = _wait_serving(proc)
    assert httpx.get(url + "/cpu/process?ms=1", timeout=10).status_code == 200
    tree = _descendants(proc.pid)
    assert len(tree) >= 5  # gunicorn master, 2 workers, their process pools
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert proc.returncode == 0
    deadline = time.monotonic() + 0.5  # as long as the tree may take to be gone once lab serve has exited
    while (left := [p for p in tree if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == []


@pytest.mark.slow
def test_overrides_name_the_configuration_everywhere() -> None:
    # workers=1 is uvicorn-single's own value: not named; threadpool=07 is named as validated (issue 17).
    proc = _start(
        "uvicorn-single", "--port", str(free_port()),
        "--set", "threadpool=7", "--set", "loop=asyncio", "--set", "threadpool=07", "--set", "workers=1",
    )  # fmt: skip
    name = "uvicorn-single[loop=asyncio,threadpool=7]"
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(f"{name}: uvicorn with 1 worker(s), 7 thread-pool tokens"), first
        url = _wait_serving(proc)
        health = httpx.get(url + "/health", timeout=10)
        assert health.status_code == 200
        assert health.json()["config"] == name
        assert httpx.get(url + "/io/sync?ms=1", timeout=10).status_code == 200
        info = samples(url, "lab_server_info")
        assert [(labels["threadpool"], labels["loop"]) for labels, _ in info] == [("7", "asyncio")]
        assert samples(url, "lab_threadpool_tokens")[0][1] == 7
        requests = samples(url, "http_requests_total")
        assert requests and {labels["config"] for labels, _ in requests} == {name}
        every = {
            family.name: {s.labels.get("config") for s in family.samples}
            for family in text_string_to_metric_families(httpx.get(url + "/metrics", timeout=10).text)
        }
        assert every and all(configs == {name} for configs in every.values()), every
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["--server-host", "--host"])
def test_server_host_is_the_address_it_binds_and_host_its_old_spelling(flag: str) -> None:
    """--server-host (issue 26 §3); --host, its old name, still works for one release, with a warning."""
    port = free_port()
    with socket.socket() as taken:  # 127.0.0.1:PORT taken: the server can only be on 127.0.0.2
        taken.bind(("127.0.0.1", port))
        taken.listen()
        proc = _start("uvicorn-single", "--port", str(port), flag, "127.0.0.2")
        url = _wait_serving(proc)
        assert url == f"http://127.0.0.2:{port}"
        assert httpx.get(url + "/health", timeout=10).status_code == 200
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    warning = (
        "lab: warning: --host is deprecated, use --server-host; the old spelling goes in the next release"
    )
    assert (warning in err) == (flag == "--host"), err


@pytest.mark.slow
def test_killed_launcher_takes_its_server_down() -> None:
    proc = _start("uvicorn-single", "--port", str(free_port()))
    _wait_serving(proc)
    tree = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    # Exited is enough (`_running`): an orphan's zombie waits for init to reap it, seconds on some VMs.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_running(p) for p in tree):
        time.sleep(0.05)
    assert [p for p in tree if _running(p)] == []


@pytest.mark.slow
def test_pinning_is_printed() -> None:
    proc = _start("uvicorn-single", "--port", str(free_port()), "--cpus", "0")
    assert proc.stdout is not None
    try:
        first = proc.stdout.readline()
        assert "pinned to CPUs 0" in first
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


@pytest.fixture
def serve_refused(capsys: pytest.CaptureFixture[str]) -> Callable[..., str]:
    """`lab serve ARGS` in this process: exit 2, nothing on stdout, no process started; its stderr.
    (The exit status end to end: test_missing_server_binary and the user app crashing at startup below.)"""

    def run(*args: str) -> str:
        before = {p.pid for p in psutil.Process().children(recursive=True)}
        err = refused(capsys, "serve", *args)
        assert {p.pid for p in psutil.Process().children(recursive=True)} <= before
        return err

    return run


def test_unknown_name_lists_valid_ones(serve_refused: Callable[..., str]) -> None:
    err = serve_refused("nope")
    assert "unknown configuration 'nope'" in err and "uvicorn-single" in err and "granian" in err


def test_busy_port(serve_refused: Callable[..., str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert "busy" in serve_refused("uvicorn-single", "--port", str(sock.getsockname()[1]))


def test_invalid_key_and_value_are_named(serve_refused: Callable[..., str]) -> None:
    assert "--set tokens: unknown key" in serve_refused("uvicorn-single", "--set", "tokens=3")
    assert "threadpool" in serve_refused("uvicorn-single", "--set", "threadpool=0")
    assert "--port 0" in serve_refused("uvicorn-single", "--port", "0")


@pytest.mark.slow
def test_missing_server_binary(tmp_path: Path) -> None:
    # A Python path entry that hides granian makes it "not installed" for this launch only.
    hide = tmp_path / "hide"
    (hide / "granian").mkdir(parents=True)
    (hide / "granian" / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    env = {**os.environ, "PYTHONPATH": str(hide)}
    result = subprocess.run(
        [*LAB, "serve", "granian", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "granian" in result.stderr and "not installed" in result.stderr


def test_configs_lists_a_user_file(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text('[mine]\nserver = "gunicorn"\nworkers = 3\ndescription = "My own."\n')
    result = subprocess.run(
        [*LAB, "configs", "--configs", str(user)], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    header = [
        "name",
        "server",
        "workers",
        "threadpool",
        "process_pool",
        "db_pool",
        "loop/http",
        "description",
    ]
    assert lines[0].split() == header
    assert any(line.split()[:6] == ["mine", "gunicorn", "3", "40", "2", "10"] for line in lines)
    assert sum(1 for line in lines[2:] if line.strip()) == 8


@pytest.mark.slow
def test_configs_shows_an_overridden_configuration() -> None:
    result = subprocess.run(
        [
            *LAB,
            "configs",
            "gunicorn-multi",
            "--set",
            "workers=4",
            "--set",
            "threadpool=100",
            "--set",
            "db_pool=3",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = result.stdout.splitlines()[2:]
    assert len(rows) == 1
    assert rows[0].split()[:7] == [
        "gunicorn-multi[db_pool=3,threadpool=100,workers=4]",
        "gunicorn",
        "4",
        "100",
        "2",
        "3",
        "auto/auto",
    ]
    assert rows[0].endswith("; overridden: db_pool=3, threadpool=100, workers=4")
    refused = subprocess.run(
        [*LAB, "configs", "granian", "--set", "http=h11"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "http" in refused.stderr


USER_APPS = {
    "okapp.py": (
        "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/metrics')\ndef mine():\n    return {}\n"
    ),
    "brokenapp.py": "import json\nraise RuntimeError('DATABASE_URL is not set')\n",
    "crashapp.py": (
        "import contextlib\nfrom fastapi import FastAPI\n\n@contextlib.asynccontextmanager\n"
        "async def lifespan(app):\n    raise RuntimeError('cannot reach the database')\n    yield\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    ),
}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--app", "brokenapp:app"],
            r"cannot import it: RuntimeError: DATABASE_URL is not set[\s\S]*sys.path was",
        ),
        (["--app", "no_such_pkg.main:app"], r"No module named 'no_such_pkg'[\s\S]*sys.path was"),
        (["--app", "okapp:nothing"], r"has no attribute 'nothing'"),
        (["--app", "okapp:FastAPI"], r"is not an ASGI app"),
        (["--app", "okapp:app"], r"already routes /metrics \(route /metrics\).*--metrics-path"),
        (["--app", "okapp"], r"expected MODULE:ATTRIBUTE"),
        (["--app-dir", "."], r"need --app"),
    ],
)
@pytest.mark.slow
def test_a_user_app_that_cannot_be_served_is_refused_before_any_server(
    tmp_path: Path, args: list[str], expected: str, serve_refused: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for name, text in USER_APPS.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)  # the modules are named relative to it, as a user does
    err = serve_refused("uvicorn-single", "--port", str(free_port()), *args)
    assert re.search(expected, err), err
    assert "Traceback" not in err  # a message, not a crash of the lab


@pytest.mark.slow
def test_a_user_app_crashing_at_startup_is_reported_with_its_traceback(tmp_path: Path) -> None:
    for name, text in USER_APPS.items():
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        [*LAB, "serve", "uvicorn-single", "--port", str(free_port()), "--app", "crashapp:app"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "exited with code 3 during start-up" in done.stderr
    assert "RuntimeError: cannot reach the database" in done.stderr  # the app's own output, in the terminal
