"""gunicorn settings for the lab (`-c python:lab.server.gunicorn_conf`)."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

from lab.server.exposition import archive_dead_process

# A blocked event loop (/io/blocking, /cpu/async) delays the worker's heartbeat; requests are capped at
# 10 s of work, so a 60 s timeout never kills a worker that is only doing what it was asked.
timeout = 60
graceful_timeout = 5


def child_exit(server: Any, worker: Any) -> None:
    """Drop the dead worker's live gauges, so sums over workers count only the living; archive the rest.

    Its counters and histograms stay in the sums, folded into one archive file per type, so that workers
    dying for days do not leave two files each for every scrape to read.
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        multiprocess.mark_process_dead(worker.pid, directory)
        archive_dead_process(worker.pid, directory)
