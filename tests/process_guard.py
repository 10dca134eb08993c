"""What the suite's processes may do, checked for every test (a pytest plugin, loaded by tests/conftest.py).

- A test that starts a server, Locust, Prometheus, PostgreSQL, docker compose, tmux or a browser (or a
  `lab serve/up/compare/claims/ab` that would) is marked `slow`: `make test-fast` (`-m "not slow"`) skips it.
  Unmarked, its spawn fails the test, naming the marker, so the fast tier cannot grow a slow test unseen.
- Started with SIGINT ignored (`nohup make test &`), the suite restores Python's handler in its own process,
  so the children it execs get SIGINT's default action and the tests that stop them with SIGINT still can.
- A process started by a module's tests or fixtures and still running once the module's last test and
  fixtures have ended is stopped, and that last test fails; at the end of the session, any process of
  this session still alive (a descendant of pytest, or carrying the session's mark in its environment
  after its parent died) is stopped and the session fails.
- Under pytest-xdist, a test that starts a load waits until no other worker runs one, and the other
  workers yield the cores to it; a `serial` test holds the lock throughout (tests/load_lock.py).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shlex
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

import psutil
import pytest

import lab
from tests import load_lock

SLOW = "slow"
# Every process started under this session carries this variable (unless a test clears its environment).
SESSION_VAR = "PYTEST_LAB_SESSION"  # not LAB_*: launchers drop those
PROGRAMS = frozenset(
    {
        "uvicorn", "gunicorn", "granian", "locust", "prometheus", "promtool", "postgres", "initdb",
        "pg_ctl", "pg_ctlcluster", "docker", "docker-compose", "tmux", "chromium", "chromium-browser",
        "google-chrome", "node",  # node: Playwright's driver, which starts the browser
    }
)  # fmt: skip
LAB_SERVING = frozenset(
    {"serve", "up", "compare", "claims", "run", "ab"}
)  # the lab commands that start the above
# Programs that may leave what they start running after they exit.
WRAPPERS = frozenset({"tmux", "sh", "bash", "setsid", "nohup", "docker", "docker-compose"})
LAB_DIR = Path(lab.__file__).parent
# multiprocessing's helper outlives the pools that started it by design; it ends with pytest.
HARMLESS = ("multiprocessing.resource_tracker",)

_current: pytest.Item | None = None
_wide = 0  # > 0 while a session-wide fixture is set up: what it starts may outlive a module
# module -> processes its tests and fixtures started (psutil's handles: no pipe kept open, no pid mistaken)
_started: dict[str, list[psutil.Process]] = {}
_violations: dict[str, list[str]] = {}  # nodeid -> what went wrong, reported with the test
_blocked: set[str] = set()  # tests whose spawn the guard refused


def _tokens(args: Any) -> list[str]:
    if isinstance(args, (str, bytes, os.PathLike)):
        return shlex.split(os.fsdecode(args))
    words: list[str] = []
    for arg in args:
        word = os.fsdecode(arg)
        if words[-1:] == ["-c"] and os.path.basename(words[0]).startswith("python"):
            words.append("<code>")  # `python -c CODE`: its words (`from locust import`) start nothing
            continue
        # `sh -c "uvicorn ..."`: the words of the shell's command line count too.
        words += shlex.split(word) if " " in word else [word]
    return words


def _commands(args: Any) -> list[str]:
    """Every program `args` names, in order, a `lab` command as `lab COMMAND` (none for `lab ... --help`)."""
    found: list[str] = []
    with contextlib.suppress(ValueError):
        words = [os.path.basename(w) for w in _tokens(args)]
        for i, word in enumerate(words):
            if word != "lab":
                found.append(word)
            elif not {"-h", "--help"} & set(words[i + 1 :]):
                found.append(f"lab {next((w for w in words[i + 1 :] if not w.startswith('-')), '')}")
    return found


def program_of(args: Any) -> str | None:
    """The slow program `args` would start (`uvicorn`, `lab compare`, ...), or None."""
    serving = {f"lab {command}" for command in LAB_SERVING}
    return next((c for c in _commands(args) if c in PROGRAMS or c in serving), None)


def load_of(args: Any) -> str | None:
    """The load (tests/load_lock.py's LOADS) `args` would start, wherever it sits in the command line:
    `tmux new-session ... bash -c "cd REPO && python -m lab ab ..."` is a `lab ab`, not only a tmux."""
    return next((c for c in _commands(args) if c in load_lock.LOADS), None)


def is_slow(item: pytest.Item) -> bool:
    return item.get_closest_marker(SLOW) is not None


_execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]


def _guarded_execute_child(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
    item = _current
    program = program_of(args) if item is not None else None
    if item is not None and not is_slow(item) and program is not None:
        message = (
            f"{item.nodeid} starts {program} but is not marked `{SLOW}`: add `@pytest.mark.{SLOW}` "
            f"(or `pytestmark = pytest.mark.{SLOW}` for the module) so that `make test-fast` skips it"
        )
        _violations.setdefault(item.nodeid, []).append(message)
        _blocked.add(item.nodeid)
        pytest.fail(message, pytrace=False)
    load = load_of(args) if item is not None else None
    if item is not None:
        load_lock.hold(item.nodeid, load)
    _execute_child(self, args, *rest, **kwargs)
    if item is not None and load is not None:
        with contextlib.suppress(psutil.Error):
            load_lock.started(item.nodeid, psutil.Process(self.pid), _bounded(args))
    if item is not None and not _wide:
        with contextlib.suppress(psutil.Error):
            _started.setdefault(_module(item), []).append(psutil.Process(self.pid))


def _bounded(args: Any) -> bool:
    """Whether the load `args` starts ends with the process started: not one left behind by a wrapper
    (tmux, a shell, setsid, nohup), nor a cell's Locust that the lab runs in pytest's own process."""
    if WRAPPERS & set(_commands(args)):
        return False
    frame = sys._getframe(2)
    while frame is not None:
        if Path(frame.f_code.co_filename).is_relative_to(LAB_DIR):
            return False
        frame = frame.f_back  # type: ignore[assignment]
    return True


def _tree(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        main = psutil.Process(pid)
        return [main, *main.children(recursive=True)]
    return []


def _alive(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    return False


def _describe(process: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        return f"pid {process.pid}: {' '.join(process.cmdline())[:200]}"
    return f"pid {process.pid}"


def stop_all(processes: Iterable[psutil.Process]) -> None:
    """SIGKILL every process given (and whatever it started), then reap them."""
    every = {p.pid: p for process in processes for p in _tree(process.pid)}
    for process in every.values():
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(list(every.values()), timeout=5)


def session_processes(token: str) -> list[psutil.Process]:
    """Live processes of this session: pytest's descendants, and orphans carrying the session's mark."""
    me = os.getpid()
    found = {p.pid: p for p in _tree(me) if p.pid != me}
    for process in psutil.process_iter():
        if process.pid in found or process.pid == me:
            continue
        with contextlib.suppress(psutil.Error):
            if process.environ().get(SESSION_VAR) == token:
                found[process.pid] = process
    return [p for p in found.values() if _alive(p) and not _harmless(p)]


def _harmless(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return any(name in " ".join(process.cmdline()) for name in HARMLESS)
    return True


def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Ignored dispositions survive exec: every server a test stops with SIGINT would ignore it too.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ[SESSION_VAR] = f"{os.getpid()}-{uuid.uuid4().hex}"
    subprocess.Popen._execute_child = _guarded_execute_child  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    subprocess.Popen._execute_child = _execute_child  # type: ignore[attr-defined]


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    global _current
    _current = item
    load_lock.start_test()
    began = time.monotonic()
    if item.get_closest_marker(load_lock.SERIAL) is not None:
        load_lock.hold_whole(item.nodeid)
    try:
        return (yield)
    finally:
        _current = None
        _violations.pop(item.nodeid, None)
        waited, held = load_lock.release(item.nodeid)
        load_lock.log(item.nodeid, waited, held, time.monotonic() - began)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    global _wide
    wide = fixturedef.scope in ("session", "package")
    _wide += wide
    try:
        return (yield)
    finally:
        _wide -= wide


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    try:
        yield
    finally:
        if item.nodeid in _blocked:
            # The refused spawn left its caller's log file open: closed here, not in the next test's warnings.
            _blocked.discard(item.nodeid)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                gc.collect()
        if nextitem is None or _module(nextitem) != _module(item):
            # The module's fixtures are finalized by now: whatever its tests started has ended.
            _module_ended(item)


def _module_ended(last: pytest.Item) -> None:
    started = _started.pop(_module(last), [])
    left = [p for process in started if _alive(process) for p in _tree(process.pid) if _alive(p)]
    if left:
        _violations.setdefault(last.nodeid, []).append(
            f"the tests of {_module(last)} left these processes running after the module ended (now "
            "killed); stop them in a fixture's finalizer or a `with`/`finally`, so that a failing "
            "assertion stops them too:\n  " + "\n  ".join(_describe(p) for p in left)
        )
        stop_all(left)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    problems = _violations.get(item.nodeid)
    if problems and call.when in ("call", "teardown"):
        if report.passed:
            report.outcome = "failed"
            report.longrepr = "\n".join(problems)
        elif call.when == "teardown":
            report.sections.append(("processes", "\n".join(problems)))
        problems.clear()
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    token = os.environ.get(SESSION_VAR, "")
    left = session_processes(token)
    if left:
        # A test's processes may still be on their way out (SIGTERM sent, not yet reaped).
        _, left = psutil.wait_procs(left, timeout=2)
        left = [p for p in left if _alive(p)]
    if left:
        lines = "\n".join(f"  {_describe(p)}" for p in left)
        session.config.stash[_LEFT] = lines
        stop_all(left)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_LEFT = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(_LEFT, "")
    if lines:
        terminalreporter.section("processes left running", sep="=", red=True)
        terminalreporter.write_line(
            f"these processes outlived the tests that started them (now killed):\n{lines}"
        )
