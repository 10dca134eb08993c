"""lab.measure.gil_probe: real processes of spinning threads, their CPU read from the kernel."""

from __future__ import annotations

import os

import psutil
import pytest

from lab.measure.gil_probe import GilShares, ProbeError, cpu_share, gil_share

pytestmark = pytest.mark.serial  # judges CPU shares: alone on the machine, or beside nice-19 neighbours


def test_one_process_of_one_thread_gets_its_core_and_leaves_nothing_behind() -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    share = cpu_share(1, 1, 0.3, cpus=sorted(os.sched_getaffinity(0))[:1])
    assert 0.8 <= share <= 1.05
    assert {p.pid for p in psutil.Process().children(recursive=True)} == before


def test_the_share_is_a_fraction_and_a_lone_worker_loses_nothing_to_its_threads() -> None:
    """One process on two cores: a thread handed the GIL finds the other core free, so eight threads
    get what one gets (the machine's other load, measured alike, cancels out)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.fail("the probe's test needs two usable cores")
    share = gil_share(1, 8, 0.3, cpus=cpus[:2])
    assert 0.9 <= share <= 1.0


def test_each_shape_is_measured_once_and_bad_shapes_are_refused() -> None:
    shares = GilShares(seconds=0.2)
    first = shares(1, 2)
    assert shares(1, 2) == first and list(shares.found) == [(1, 2)]
    with pytest.raises(ValueError, match="threads >= 1"):
        cpu_share(1, 0)
    assert issubclass(ProbeError, RuntimeError)
