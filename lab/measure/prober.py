"""Timing an unrelated request while a cell's load runs: how responsive the server stays for others.

Passed to `lab.measure.cell.measure(..., alongside=Prober(url))`: it runs for exactly the measured run.
"""

from __future__ import annotations

import threading
import time

import httpx

from lab.shared import http_client

PROBE_INTERVAL_S = 0.25  # between unrelated requests timed during a load
PROBE_START_S = 1.0  # after Locust starts sending: its users are all spawned by then


class Prober(threading.Thread):
    """Times an unrelated request every PROBE_INTERVAL_S, each on a fresh connection, until finished."""

    def __init__(self, url: str) -> None:
        super().__init__(name="lab-claims-prober", daemon=True)
        self.url = url
        self.latencies_ms: list[float] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        if self._stop_event.wait(PROBE_START_S):
            return
        while not self._stop_event.wait(PROBE_INTERVAL_S):
            started = time.perf_counter()
            try:
                http_client.get(self.url, timeout=30).raise_for_status()
            except httpx.HTTPError:
                continue
            self.latencies_ms.append((time.perf_counter() - started) * 1000)

    def finish(self) -> None:
        self._stop_event.set()
        self.join(timeout=35)

    def __enter__(self) -> Prober:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.finish()
