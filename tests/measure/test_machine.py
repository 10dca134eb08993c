"""The machine's busy cores, read from outside (issue 21), and the cores Locust leaves the server."""

from __future__ import annotations

import time

import pytest

from lab.measure.machine import MachineCpu, usable_cores

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


def test_usable_cores_are_what_locust_leaves() -> None:
    assert usable_cores(2, 0.2) == 1.8
    assert usable_cores(2, 2.5) == 0.05  # never below a twentieth of a core
