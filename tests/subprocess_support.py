"""Real runs started together in a module fixture, each waited for to its end (the load lock stays with
the test whose fixture started them: tests/load_lock.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

Done = subprocess.CompletedProcess[str]


def finished(run: subprocess.Popen[str], timeout: float = 180) -> Done:
    """What `run` printed and its exit status; past `timeout` it is stopped as on Ctrl-C (SIGTERM), with
    what it started."""
    try:
        stdout, stderr = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.terminate()
        stdout, stderr = run.communicate(timeout=60)
    return subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)


def side_by_side(started: Mapping[str, subprocess.Popen[str]], timeout: float = 180) -> dict[str, Done]:
    """Every run of `started` to its end, each pipe read as it fills (a full pipe would stop its run)."""
    with ThreadPoolExecutor(len(started)) as pool:
        ends = pool.map(lambda run: finished(run, timeout), started.values())
        return dict(zip(started, ends, strict=True))
