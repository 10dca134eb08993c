"""lab.model.verify: the rerun of a cell whose CPU-bound threads contended for each worker's GIL."""

from __future__ import annotations

import pytest

from lab.model.inputs import Capacity, Demands, Load
from lab.model.verify import fewer_threads

CPU = Demands(wall_ms=12.2, cpu_ms=12.5, threadpool_ms=11.7)


def test_one_thread_per_worker_predicted_at_the_cpus_bound() -> None:
    made = fewer_threads(CPU, Capacity(workers=2, usable_cores=1.88, threadpool=40), Load(users=100))
    assert made is not None and made.verifies == "gil"
    assert (made.knob, made.before, made.after, made.binding) == ("threadpool", 40, 1, "cpu")
    assert made.rps == pytest.approx(1.88 / 12.5e-3) and made.capacity.threadpool == 1


def test_where_one_token_is_slower_than_the_cpu_the_token_binds_then() -> None:
    # A handler that also waits: a token held 20 ms for 12.5 ms of CPU. 4 workers on 8 cores: 4 tokens
    # (200 req/s) under 4 processes' cores (320 req/s).
    waits = Demands(wall_ms=21.0, cpu_ms=12.5, threadpool_ms=20.0)
    made = fewer_threads(waits, Capacity(workers=4, usable_cores=8.0, threadpool=40), Load(users=100))
    assert made is not None and made.binding == "threadpool" and made.rps == pytest.approx(4 / 20e-3)


def test_one_thread_already_is_no_rerun() -> None:
    assert fewer_threads(CPU, Capacity(workers=2, usable_cores=1.88, threadpool=1), Load(users=100)) is None
