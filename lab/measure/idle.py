"""The server's CPU when it serves nothing but the lab's own scrapes (issue 21 §1: CPU per request).

A cell's CPU per request is the server's cores over its req/s. At one user with a think time (one request
a second), the scrapes of /metrics every 0.5 s and the loop-lag timer cost more than the requests: the
demand must be counted above this floor, read the same way (the cell's Watcher, same cadence) on the
same server with no load.
"""

from __future__ import annotations

import time

from lab.measure import scrape
from lab.runtime.launcher import Server


def idle_cores(server: Server, seconds: float = 3.0) -> float:
    """Cores the idle server uses while watched as a cell watches it."""
    pid = server.process.pid if server.process else None
    watcher = scrape.Watcher(server.metrics_url, None, server_pid=pid)
    watcher.start()
    start = time.time()
    time.sleep(seconds)
    window = watcher.finish((start, time.time()))
    return window.cores or 0.0
