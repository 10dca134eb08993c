"""The Prometheus multiprocess directory, as the server's workers and the launcher both keep it."""

from __future__ import annotations

import contextlib
import os

import psutil


def mark_dead_workers(directory: str) -> list[int]:
    """Remove the live-gauge files of processes that no longer exist (any server, any launcher).

    gunicorn does this from its `child_exit` hook; uvicorn's and granian's supervisors have no such hook,
    so every worker sweeps at start-up and the launcher sweeps while it runs.
    """
    from prometheus_client import multiprocess

    dead: set[int] = set()
    with contextlib.suppress(FileNotFoundError):
        for name in os.listdir(directory):
            if name.startswith("gauge_live") and name.endswith(".db"):
                with contextlib.suppress(ValueError):
                    pid = int(name.rsplit("_", 1)[1][:-3])
                    if not psutil.pid_exists(pid):
                        dead.add(pid)
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)
    return sorted(dead)
