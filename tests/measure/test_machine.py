"""The machine's busy cores and an idle server's CPU floor, read from outside a real server (issue 21)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from lab.measure.idle import idle_cores
from lab.measure.machine import MachineCpu, usable_cores
from lab.runtime.launcher import Server

pytestmark = pytest.mark.serial  # asserts what a run measured: never beside another test


def test_busy_cores_see_a_process_spinning() -> None:
    with MachineCpu(interval_s=0.1) as machine:
        start = time.time()
        while time.time() - start < 1.0:  # this process: one core busy for a second
            pass
        end = time.time()
    busy = machine.busy_cores((start, end))
    assert busy is not None and 0.8 <= busy <= 2.5, busy  # this core, and what the others ran meanwhile
    assert machine.busy_cores((end + 10, end + 20)) is None  # no two samples there


def test_usable_cores_are_what_locust_and_the_others_leave() -> None:
    assert usable_cores(2, 0.2, 0.8) == 1.0
    assert usable_cores(2, 0.2, -0.1) == 1.8  # a negative estimate of the others counts as none
    assert usable_cores(2, 1.5, 1.5) == 0.05


@pytest.mark.slow
def test_an_idle_servers_floor_is_small_and_grows_with_work(single_server: Server) -> None:
    """Watched alone: scrapes and timers only. Watched while a client burns 5 ms of CPU per request back
    to back: most of a core."""
    floor = idle_cores(single_server, seconds=2.0)
    assert 0 <= floor < 0.3, floor
    stop = time.time() + 3.0

    def burn() -> None:
        with httpx.Client() as client:
            while time.time() < stop:
                client.get(f"{single_server.url}/cpu/sync?ms=5")

    worker = threading.Thread(target=burn)
    worker.start()
    busy = idle_cores(single_server, seconds=2.0)
    worker.join()
    assert busy > floor + 0.3, (floor, busy)
