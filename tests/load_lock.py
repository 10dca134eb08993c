"""One load at a time across pytest-xdist's workers (used by tests/process_guard.py).

`make test` runs the tests not marked `serial` three at a time. A test that starts a load (Locust, a
`lab compare`, `lab run` or `lab claims`, a bench through `make`) keeps both cores busy: two at once starved
each other on 2 cores (cells with no request answered in their 2 s). So such a test takes a lock shared by
the workers of the run when it starts its load, and holds it until its teardown ends; the other workers go
on with tests that start servers, Prometheus or a browser, which mostly wait. Outside xdist: no lock.

With LAB_TESTS_LOCK_LOG=FILE, each test's wait for the lock and its time holding it are appended to FILE
(tab-separated: nodeid, waited s, held s): how much of the first phase the loads take.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from pathlib import Path
from typing import IO

# What keeps the cores busy for the length of a test.
LOADS = frozenset({"locust", "lab compare", "lab claims", "lab run", "make"})

_held: dict[str, IO[bytes]] = {}  # nodeid -> the open lock file
_since: dict[str, tuple[float, float]] = {}  # nodeid -> (asked at, taken at), for LAB_TESTS_LOCK_LOG


def _path() -> Path | None:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # the same in every worker of one run
    return Path(tempfile.gettempdir()) / f"lab-tests-load-{run}.lock" if run else None


def hold(nodeid: str, program: str | None) -> None:
    """Before a test starts `program`: wait for the lock if it is a load (once per test)."""
    path = _path()
    if path is None or program not in LOADS or nodeid in _held:
        return
    handle = path.open("ab")
    asked = time.monotonic()
    fcntl.flock(handle, fcntl.LOCK_EX)
    _held[nodeid] = handle
    _since[nodeid] = (asked, time.monotonic())


def release(nodeid: str) -> None:
    """After a test's teardown: another worker may start its load."""
    handle = _held.pop(nodeid, None)
    if handle is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
        asked, taken = _since.pop(nodeid)
        log = os.environ.get("LAB_TESTS_LOCK_LOG")
        if log:
            with open(log, "a") as out:
                out.write(f"{nodeid}\t{taken - asked:.2f}\t{time.monotonic() - taken:.2f}\n")
