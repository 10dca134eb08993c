"""The suite's own process rules (tests/process_guard.py), proven on a small session of their own.

Each test here runs pytest on a throw-away test file, in a child process, with the guard loaded as the
suite loads it; a fake `uvicorn` (a shell script that exits) stands for a real server.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from tests.process_guard import SESSION_VAR, load_of, program_of

REPO = Path(__file__).resolve().parent.parent

INI = """[pytest]
addopts = -p tests.process_guard --strict-markers -p no:cacheprovider
markers =
    slow: starts a server
    serial: judges what a run measured
"""

HEADER = """
import subprocess, sys
from pathlib import Path
import pytest

FAKE = Path(__file__).parent / "bin" / "uvicorn"
"""


# Inner tests under an xdist run id: whether the run's load lock is free right now.
LOCK_FREE = """
import fcntl, os, tempfile

def lock_free():
    path = Path(tempfile.gettempdir()) / f"lab-tests-load-{os.environ['PYTEST_XDIST_TESTRUNUID']}.lock"
    with path.open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True
"""


def _session(
    tmp_path: Path,
    body: str,
    *,
    ignore_sigint: bool = False,
    env_extra: dict[str, str] | None = None,
    beside: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """pytest on `body` in a child; `beside`: a shell command run next to it, as a sibling (an xdist
    worker's neighbour: the parent's other child), its pid in the file `beside.pid`."""
    (tmp_path / "pytest.ini").write_text(INI)
    (tmp_path / "bin").mkdir()
    for name, script in (("uvicorn", "exit 0"), ("locust", "sleep 0.3")):
        fake = tmp_path / "bin" / name
        fake.write_text(f"#!/bin/sh\n{script}\n")
        fake.chmod(0o755)
    (tmp_path / "test_inner.py").write_text(HEADER + body)
    # Not the outer run's session, xdist run (its load lock) or lock log.
    outer = {SESSION_VAR, "PYTEST_XDIST_TESTRUNUID", "PYTEST_XDIST_WORKER", "LAB_TESTS_LOCK_LOG"}
    env = {k: v for k, v in os.environ.items() if k not in outer}
    env["PYTHONPATH"] = str(REPO)
    env.update(env_extra or {})

    def preexec() -> None:
        if ignore_sigint:  # as `nohup make test &` starts the suite
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    argv = [sys.executable, "-m", "pytest", "-rA", "test_inner.py"]
    if beside is not None:
        run = " ".join(shlex.quote(a) for a in argv)
        argv = ["sh", "-c", f"{beside} & echo $! > beside.pid; {run}; status=$?; kill $!; exit $status"]
    return subprocess.run(
        argv,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
    )


def test_programs_are_recognised_in_every_spelling() -> None:
    assert program_of([sys.executable, "-m", "uvicorn", "--factory", "x:y"]) == "uvicorn"
    assert program_of(["/usr/bin/prometheus", "--config.file=p.yml"]) == "prometheus"
    assert program_of([sys.executable, "-m", "lab", "compare", "--quick"]) == "lab compare"
    assert program_of(["/venv/bin/lab", "up", "--port", "1"]) == "lab up"
    assert program_of(["sh", "-c", "exec tmux -L x new-session -d"]) == "tmux"
    assert program_of("gunicorn -w 2 app:app") == "gunicorn"
    assert program_of([sys.executable, "-m", "lab", "configs"]) is None
    assert program_of([sys.executable, "-m", "lab", "compare", "--help"]) is None
    assert program_of([sys.executable, "-m", "lab.loadgen.inspect", "f.py"]) is None
    assert program_of(["git", "status", "--", "lab/serve"]) is None
    # A Python script's code is no command line (it imports Locust without running it: no load, no lock).
    assert program_of([sys.executable, "-c", "from locust import FastHttpUser", "f.py"]) is None


def test_a_load_is_recognised_wherever_it_sits_in_the_command_line() -> None:
    """A `lab ab` typed into a terminal (tmux) is a load: it held no lock, ran at nice 10 beside a load at
    0, and did not stop within 60 s of its Ctrl-C (CI, 2026-12-03)."""
    shell = f"cd /repo && {sys.executable} -m lab ab a b --rounds 3; echo $? > exit; sleep 60"
    assert load_of(["tmux", "-L", "x", "new-session", "-d", "bash", "-c", shell]) == "lab ab"
    assert load_of([sys.executable, "-m", "lab", "tune", "--slo", "p95<100ms"]) == "lab tune"
    assert load_of([sys.executable, "-m", "locust", "-f", "f.py", "--headless"]) == "locust"
    assert load_of(["make", "-o", ".venv/.installed", "soak", "MINUTES=0.05"]) == "make"
    assert load_of([sys.executable, "-m", "lab", "ab", "--help"]) is None
    assert load_of(["tmux", "-L", "x", "send-keys", "C-c"]) is None
    assert load_of([sys.executable, "-m", "lab", "serve", "uvicorn-single"]) is None
    assert load_of(["/usr/bin/prometheus", "--config.file=p.yml"]) is None


def test_an_unmarked_test_that_starts_a_server_fails_naming_the_marker(tmp_path: Path) -> None:
    done = _session(
        tmp_path,
        """
def test_unmarked():
    subprocess.run([str(FAKE)], check=True)

def test_unmarked_and_swallowed():
    try:
        subprocess.run([str(FAKE)], check=True)
    except BaseException:
        pass

@pytest.mark.slow
def test_marked():
    assert subprocess.run([str(FAKE)]).returncode == 0

def test_unmarked_other_program():
    assert subprocess.run([sys.executable, "-c", "pass"]).returncode == 0
""",
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "FAILED test_inner.py::test_unmarked - " in out, out
    assert "FAILED test_inner.py::test_unmarked_and_swallowed" in out, out
    assert "starts uvicorn but is not marked `slow`: add `@pytest.mark.slow`" in out, out
    assert "PASSED test_inner.py::test_marked" in out, out
    assert "PASSED test_inner.py::test_unmarked_other_program" in out, out


def test_processes_left_by_a_test_or_orphaned_are_killed_and_fail(tmp_path: Path) -> None:
    left, orphan = tmp_path / "left.pid", tmp_path / "orphan.pid"
    done = _session(
        tmp_path,
        f"""
def test_leaves_a_child():
    child = subprocess.Popen(["sleep", "300"])
    Path({str(left)!r}).write_text(str(child.pid))

def test_leaves_an_orphan():
    # The shell exits at once: its `sleep` is adopted by init, out of pytest's tree.
    subprocess.run(["sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & echo $! > {orphan}"], check=True)

def test_stops_what_it_starts():
    child = subprocess.Popen(["sleep", "300"])
    child.kill()
    child.wait()

@pytest.fixture(scope="module")
def shared():
    child = subprocess.Popen(["sleep", "300"])
    yield child
    child.kill()
    child.wait()

@pytest.mark.parametrize("n", [1, 2])
def test_a_module_fixture_asked_for_by_the_body_lives_on(request, n):
    assert request.getfixturevalue("shared").poll() is None
""",
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "PASSED test_inner.py::test_leaves_an_orphan" in out, out
    # Reported with the module's last test, once the module's fixtures have ended too.
    assert "ERROR test_inner.py::test_a_module_fixture_asked_for_by_the_body_lives_on[2]" in out, out
    assert "the tests of test_inner.py left these processes running after the module ended" in out, out
    assert "PASSED test_inner.py::test_stops_what_it_starts" in out, out
    assert "PASSED test_inner.py::test_a_module_fixture_asked_for_by_the_body_lives_on[2]" in out, out
    assert "processes left running" in out and "sleep 300" in out, out
    for pidfile in (left, orphan):
        pid = int(pidfile.read_text())
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_session_started_with_sigint_ignored_gives_its_children_the_default(tmp_path: Path) -> None:
    done = _session(
        tmp_path,
        """
import signal

def test_child_disposition():
    print_handler = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    child = subprocess.run([sys.executable, "-c", print_handler], capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "True"
""",
        ignore_sigint=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED test_inner.py::test_child_disposition" in done.stdout


def test_the_load_lock_goes_when_the_load_ends_unless_a_wrapper_may_leave_it_running(tmp_path: Path) -> None:
    """As under pytest-xdist (its run id set): a load the test starts itself frees the lock once it has
    exited, before the test ends; one started through a shell holds it to the test's end."""
    log = tmp_path / "lock.tsv"
    done = _session(
        tmp_path,
        LOCK_FREE
        + """
import time

@pytest.mark.slow
def test_bounded():
    subprocess.run([str(FAKE.with_name("locust"))], check=True)
    deadline = time.monotonic() + 30
    while not lock_free() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lock_free()

@pytest.mark.slow
def test_wrapped():
    subprocess.run(["sh", "-c", str(FAKE.with_name("locust"))], check=True)
    time.sleep(1)  # five times the watcher's poll
    assert not lock_free()
""",
        env_extra={"PYTEST_XDIST_TESTRUNUID": f"guard-{os.getpid()}", "LAB_TESTS_LOCK_LOG": str(log)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    held = {line.split("\t")[0]: float(line.split("\t")[2]) for line in log.read_text().splitlines()}
    assert held["test_inner.py::test_bounded"] > 0 and held["test_inner.py::test_wrapped"] >= 1


def test_a_serial_test_holds_the_lock_throughout_while_its_neighbours_run_at_nice_19(tmp_path: Path) -> None:
    """As under pytest-xdist: a `serial` test holds the load lock from its set-up to its teardown though it
    starts no load, and (where the run may renice, as root) the worker's neighbour, a sibling process and
    every one of its threads, runs at NICE_JUDGED meanwhile and at NICE again once the test is over."""
    done = _session(
        tmp_path,
        LOCK_FREE
        + """
import psutil
from tests import load_lock

def neighbour_nices():
    sibling = psutil.Process(int(Path("beside.pid").read_text()))
    return {os.getpriority(os.PRIO_PROCESS, t.id) for t in sibling.threads()}

@pytest.fixture
def judged():
    assert not lock_free()  # already in the set-up
    yield

@pytest.mark.serial
def test_judged(judged):
    assert not lock_free()
    if load_lock.may_renice():
        assert neighbour_nices() == {load_lock.NICE_JUDGED}
        assert os.getpriority(os.PRIO_PROCESS, 0) == 0

def test_after():
    assert lock_free()
    if load_lock.may_renice():
        assert neighbour_nices() == {load_lock.NICE}
""",
        env_extra={"PYTEST_XDIST_TESTRUNUID": f"serial-{os.getpid()}"},
        beside=f"{shlex.quote(sys.executable)} -c 'import threading, time; "
        "threading.Thread(target=time.sleep, args=(60,)).start(); time.sleep(60)'",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED test_inner.py::test_judged" in done.stdout
    assert "PASSED test_inner.py::test_after" in done.stdout
