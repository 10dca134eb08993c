"""One load at a time across pytest-xdist's workers (used by tests/process_guard.py).

`make test` runs the tests three modules at a time. A test that starts a load (Locust, a
`lab compare`, `lab run`, `lab claims`, `lab ab` or `lab tune`, a bench through `make`; in a terminal
through tmux too) keeps both cores busy: two at once starved
each other on 2 cores (cells with no request answered in their 2 s). So such a test takes a lock shared by
the workers of the run when it starts its load, and holds it until the load has ended (see `started`:
when the test started the load's process itself, its exit; otherwise the test's teardown); the other
workers go on with tests that start servers, Prometheus or a browser, which mostly wait. Outside xdist:
no lock.

The other workers' tests are not idle, though: servers, Prometheus, a browser, mkdocs and fuzzing use the
cores too, and a 1 s `lab compare` that takes 4 s alone took 13 s beside them. So where the kernel lets
this process lower its nice value again (root, or CAP_SYS_NICE), every worker runs at nice NICE and the
one holding the lock runs at 0, with whatever it and its module's fixtures started: the load gets the
cores first (CFS weights 1024 against 110) and the others run in what it leaves. Without that right, the
workers keep their nice value and only the lock orders the loads.

A test marked `serial` judges what a real run measured (a rate, a ratio, an efficiency). It holds the
lock from its set-up to its teardown (`hold_whole`), whatever it starts, and while it holds it the other
workers and everything they started run at NICE_JUDGED: CFS gives them 15 of every 1039 weight units,
so they run in the time the judged run leaves idle (it uses about one core of two on average) and yield
it at once when the run wants it. Without the right to renice, the Makefile runs the `serial` tests
after the others instead (`python -m tests.load_lock` says which).

With LAB_TESTS_LOCK_LOG=FILE, every test under xdist appends a line to FILE (tab-separated: nodeid,
seconds waited for the lock, seconds holding it, seconds in all, when it ended, its worker): how much of
the run the loads take, and what `python -m tests.scheduling FILE` turns into tests/durations.tsv, the
costs the modules are ordered by.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

# What keeps the cores busy for the length of a test.
LOADS = frozenset({"locust", "lab compare", "lab claims", "lab run", "lab ab", "lab tune", "make"})

NICE = 10  # the workers' nice value while they hold no load (0: the lock holder's)
NICE_JUDGED = 19  # the other workers' while a `serial` test holds the lock
SERIAL = "serial"  # the marker whose tests hold the lock throughout (`hold_whole`)

POLL = 0.2  # seconds between two looks at whether a test's loads have ended


@dataclass
class _Hold:
    """One test's use of the lock: possibly taken and released more than once."""

    handle: IO[bytes] | None = None  # the open lock file while the lock is this test's
    taken: float = 0.0
    waited: float = 0.0  # seconds in all
    held: float = 0.0  # seconds in all, up to the last release
    loads: list[psutil.Process] = field(default_factory=list)  # ended -> the lock may go early
    early: bool = True  # False once a load was started that its process's end does not bound
    whole: bool = False  # a `serial` test's: the others run at NICE_JUDGED meanwhile
    starting: int = 0  # loads asked for and not started yet: the lock stays while any is


_holds: dict[str, _Hold] = {}  # nodeid -> its hold, from its first load to its teardown
_mutex = threading.Lock()  # _holds is read by the watcher thread too
_watcher: threading.Thread | None = None


def _path() -> Path | None:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # the same in every worker of one run
    return Path(tempfile.gettempdir()) / f"lab-tests-load-{run}.lock" if run else None


def may_renice() -> bool:
    """Whether this process may lower its nice value again once it raised it (tried in a fork)."""
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's exit status is the answer
        try:
            os.setpriority(os.PRIO_PROCESS, 0, NICE)
            os.setpriority(os.PRIO_PROCESS, 0, 0)
        except OSError:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) == 0


_renice: bool | None = None  # decided at this worker's first test


def start_test() -> None:
    """Before each test. At the first, in an xdist worker that may renice: run at NICE from now on."""
    global _renice
    if _renice is None:
        _renice = _path() is not None and may_renice()
        if _renice:
            _set_nice(NICE)


def _nice_all(processes: list[psutil.Process], value: int) -> None:
    """Every thread of `processes` at `value`: Linux's nice is a thread's (setpriority on a pid sets only
    its main thread's), and a server's pool threads made at one value keep it."""
    for process in processes:
        with contextlib.suppress(OSError, psutil.Error):
            for task in process.threads():
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, task.id, value)


def _mine() -> list[psutil.Process]:
    """This worker and everything it started (a module's server, a Locust still running)."""
    me = psutil.Process()
    return [me, *me.children(recursive=True)]


def _others() -> list[psutil.Process]:
    """The run's other workers and everything they started (the controller's other descendants)."""
    mine = {p.pid for p in _mine()}
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process().parent()
        if parent is not None:
            return [p for p in parent.children(recursive=True) if p.pid not in mine]
    return []


def _set_nice(value: int) -> None:
    """This worker and everything it started at `value`."""
    _nice_all(_mine(), value)


def hold(nodeid: str, program: str | None) -> None:
    """Before a test starts `program`: wait for the lock if it is a load and the test does not hold it."""
    path = _path()
    if path is None or program not in LOADS:
        return
    with _mutex:
        hold = _holds.setdefault(nodeid, _Hold())
        hold.starting += 1
        if hold.handle is not None:
            return
    handle = path.open("ab")
    asked = time.monotonic()
    fcntl.flock(handle, fcntl.LOCK_EX)
    with _mutex:
        hold.handle, hold.taken = handle, time.monotonic()
        hold.waited += hold.taken - asked
    if _renice:
        _set_nice(0)


def hold_whole(nodeid: str) -> None:
    """Before a `serial` test's set-up: the lock until its teardown, the other workers at NICE_JUDGED."""
    path = _path()
    if path is None:
        return
    handle = path.open("ab")
    asked = time.monotonic()
    fcntl.flock(handle, fcntl.LOCK_EX)
    with _mutex:
        hold = _holds.setdefault(nodeid, _Hold())
        hold.handle, hold.taken, hold.early, hold.whole = handle, time.monotonic(), False, True
        hold.waited += hold.taken - asked
    if _renice:
        _set_nice(0)
        _nice_all(_others(), NICE_JUDGED)


def started(nodeid: str, process: psutil.Process, bounded: bool) -> None:
    """After a test started a load (`hold` took the lock for it). `bounded`: the load is `process` itself,
    started by the test, so the load is over when it has exited, and the lock may go then, before the
    test's teardown (its report opened in a browser, its queries to Prometheus wait no longer for it). A
    load started inside tmux, or by the lab in pytest's own process (a cell's Locust: the next cell's
    comes soon after), holds the lock to the end of the test."""
    global _watcher
    with _mutex:
        hold = _holds.get(nodeid)
        if hold is None or hold.handle is None:
            return
        hold.starting -= 1
        hold.loads.append(process)
        hold.early = hold.early and bounded
    if _watcher is None:
        _watcher = threading.Thread(target=_watch, name="load-lock", daemon=True)
        _watcher.start()


def _ended(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    return True


def _watch() -> None:
    """Lets the lock go once every load of a test that holds it has ended (see `started`)."""
    while True:
        time.sleep(POLL)
        with _mutex:
            for hold in _holds.values():
                if hold.handle and hold.early and not hold.starting and all(_ended(p) for p in hold.loads):
                    _unlock(hold)


def _unlock(hold: _Hold) -> None:
    assert hold.handle is not None
    if _renice:
        _set_nice(NICE)
        if hold.whole:
            _nice_all(_others(), NICE)
    fcntl.flock(hold.handle, fcntl.LOCK_UN)
    hold.handle.close()
    hold.handle, hold.loads, hold.early, hold.starting, hold.whole = None, [], True, 0, False
    hold.held += time.monotonic() - hold.taken


def release(nodeid: str) -> tuple[float, float]:
    """After a test's teardown: another worker may start its load. Returns the seconds the test waited for
    the lock and held it, in all (0, 0 when it took none)."""
    with _mutex:
        hold = _holds.pop(nodeid, None)
        if hold is None:
            return 0.0, 0.0
        if hold.handle is not None:
            _unlock(hold)
        return hold.waited, hold.held


def log(nodeid: str, waited: float, held: float, seconds: float) -> None:
    """One test's line in LAB_TESTS_LOCK_LOG's file, if it names one, under xdist."""
    path = os.environ.get("LAB_TESTS_LOCK_LOG")
    if path and _path() is not None:
        with open(path, "a") as out:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "")
            out.write(f"{nodeid}\t{waited:.2f}\t{held:.2f}\t{seconds:.2f}\t{time.time():.2f}\t{worker}\n")


if __name__ == "__main__":  # exit 0 when this process may renice (the Makefile's choice of phases)
    raise SystemExit(0 if may_renice() else 1)
