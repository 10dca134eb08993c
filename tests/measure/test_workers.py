"""Per-worker counters: how the work was spread over the workers, the busiest worker's share of the CPU."""

from __future__ import annotations

import pytest

from lab.measure.workers import PROCESS_CPU, WORKER_REQUESTS, busiest_share, spread, workers_busy


def test_spread_counts_how_many_shared_the_work() -> None:
    assert spread([2.0, 2.0, 2.0]) == pytest.approx(3.0)
    assert spread([4.0, 0.0]) == pytest.approx(1.0)
    assert spread([0.0]) is None


def test_the_workers_busy_are_counted_by_requests_where_the_server_counts_them() -> None:
    """Two workers' loops blocked by the same handler, each serving its users' requests back to back: as
    many requests each, but one worker also answered the lab's scrapes, so its CPU is a third higher.
    By requests: 2 workers; by CPU: 1.75. Without the per-worker count (an older server): the CPU's."""
    cpu = [({"pid": "1", "kind": "worker"}, 0.04), ({"pid": "2", "kind": "worker"}, 0.03)]
    served = [({"pid": "1"}, 40.0), ({"pid": "2"}, 40.0)]
    first = {PROCESS_CPU: [(labels, 0.0) for labels, _ in cpu], WORKER_REQUESTS: [({"pid": "1"}, 0.0)]}
    assert workers_busy(first, {PROCESS_CPU: cpu, WORKER_REQUESTS: served}) == pytest.approx(2.0)
    assert workers_busy(first, {PROCESS_CPU: cpu}) == pytest.approx(1.75)


def test_the_busiest_worker_share_counts_its_own_threads_not_its_process_pool() -> None:
    """Worker 1 used 3 s of its own CPU and its pool 1 s; worker 2 used 1 s: worker 1's threads did 3/5
    of the server's CPU (the pool's seconds count in the server's, not in the worker's own)."""
    first: dict = {PROCESS_CPU: []}
    last = {
        PROCESS_CPU: [
            ({"pid": "1", "kind": "worker"}, 3.0), ({"pid": "1", "kind": "pool"}, 1.0),
            ({"pid": "2", "kind": "worker"}, 1.0),
        ]
    }  # fmt: skip
    assert busiest_share(first, last) == pytest.approx(0.6)
    assert busiest_share(first, first) is None  # no CPU in the window
