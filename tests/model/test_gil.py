"""lab.model.gil: when CPU-bound threads sharing a worker's GIL are the evidence to name."""

from __future__ import annotations

import pytest

from lab.model.gil import Contention, contention
from lab.model.inputs import Capacity, Demands

CPU = Demands(wall_ms=12.0, cpu_ms=11.0, threadpool_ms=11.5)
TWO = Capacity(workers=2, usable_cores=1.9, threadpool=40)


def test_many_cpu_threads_per_worker_and_idle_cores_are_contention() -> None:
    assert contention(55.0, 1.57, 0.03, CPU, TWO) == Contention(27.5, pytest.approx(0.30))


@pytest.mark.parametrize(
    ("threads", "server", "others", "demands", "why"),
    [
        (2.0, 1.57, 0.0, CPU, "one thread per worker: nothing to take turns with"),
        (55.0, 1.85, 0.0, CPU, "the cores were used"),
        (55.0, 1.3, 0.55, CPU, "the machine's other processes used the rest"),
        (55.0, 1.0, 0.0, Demands(wall_ms=100.0, cpu_ms=10.0, threadpool_ms=100.0), "the handler waits"),
        (None, 1.0, 0.0, CPU, "the thread pool was not measured"),
        (55.0, None, 0.0, CPU, "the server's cores were not measured"),
    ],
)
def test_otherwise_none(
    threads: float | None, server: float | None, others: float, demands: Demands, why: str
) -> None:
    assert contention(threads, server, others, demands, TWO) is None, why


def test_a_worker_whose_cpu_runs_outside_the_gil_is_no_contention() -> None:
    """Idle cores beside a worker measured above one core are not its GIL's: its CPU does not hold it."""
    free = Capacity(workers=2, usable_cores=1.9, threadpool=40, worker_cores=1.2)
    assert contention(55.0, 1.57, 0.03, CPU, free) is None


def test_a_background_task_s_cpu_is_weighed_against_the_time_it_holds_not_r0() -> None:
    """A sign-up answers in 1.3 ms and keeps its token 61.6 ms for a background e-mail: 0.7 ms of CPU is
    half of R0 but a hundredth of what the request holds; the thread pool, not the GIL, is full."""
    background = Demands(wall_ms=1.3, cpu_ms=0.7, threadpool_ms=61.6)
    assert contention(80.0, 0.8, 0.03, background, TWO) is None
