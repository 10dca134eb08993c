"""gunicorn settings for the lab (`-c python:lab.gunicorn_conf`)."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

# A blocked event loop (/io/blocking, /cpu/async) delays the worker's heartbeat; requests are capped at
# 10 s of work, so a 60 s timeout never kills a worker that is only doing what it was asked.
timeout = 60
graceful_timeout = 5


def child_exit(server: Any, worker: Any) -> None:
    """Drop the dead worker's live gauges, so sums over workers count only the living."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        multiprocess.mark_process_dead(worker.pid, directory)
