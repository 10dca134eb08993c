"""Per-request CPU in the server (lab.server.demand): a spinning handler's CPU counts, a sleep's does not."""

from __future__ import annotations

import threading
import time

from prometheus_client import REGISTRY

from lab.server import demand


def _sum(handler: str) -> float:
    return REGISTRY.get_sample_value("lab_request_cpu_seconds_sum", {"handler": handler}) or 0.0


def test_cpu_of_a_request_in_another_thread_is_counted_and_a_sleep_is_not() -> None:
    def spin() -> None:  # a `def` handler: it runs in a thread of the pool, not the caller's
        end = time.thread_time() + 0.03
        while time.thread_time() < end:
            pass

    before = _sum("/spin")
    cpu = demand.started()
    worker = threading.Thread(target=spin)
    worker.start()
    worker.join()
    demand.observe(demand.REQUEST_CPU.labels(handler="/spin"), cpu)
    assert 0.025 <= _sum("/spin") - before <= 0.2

    before = _sum("/sleep")
    cpu = demand.started()
    time.sleep(0.05)
    demand.observe(demand.REQUEST_CPU.labels(handler="/sleep"), cpu)
    assert _sum("/sleep") - before < 0.01
