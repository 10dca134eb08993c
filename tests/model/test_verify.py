"""lab.model.verify: the rerun of a cell whose CPU-bound threads contended for each worker's GIL, and
predictions on cores the load generator shares."""

from __future__ import annotations

import pytest

from lab.model.inputs import Capacity, Demands, Load
from lab.model.verify import fewer_threads, predict, sharing

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


def test_on_cores_locust_shares_the_prediction_leaves_it_its_share_of_the_rate() -> None:
    """A `def` sign-up with a 60 ms background e-mail on gunicorn's 2 workers, bound by their 2 x
    40 tokens at 1194 req/s (2026-12-04); the server's CPU 0.76 ms a request, Locust's 0.44 ms, on 2
    shared cores. Twice the tokens on the cell's 1.48 usable cores: 1.48 / 0.76 ms = 1947 req/s; but at
    that rate Locust takes 0.86 of a core. Shared: 2 / (0.76 + 0.44 ms) = 1667, bound by the CPU. The
    rerun served 1660."""
    demands = Demands(wall_ms=1.32, cpu_ms=0.76, threadpool_ms=61.6)
    capacity = Capacity(workers=2, usable_cores=1.48, threadpool=40)
    made = predict("threadpool", demands, capacity, Load(users=20))
    assert made is not None and made.binding == "cpu" and made.rps == pytest.approx(1.48 / 0.76e-3)
    shared = sharing(made, demands, cores=2.0, generator_ms=0.44)
    assert shared.rps == pytest.approx(2 / 1.2e-3, rel=1e-6) and shared.binding == "cpu"
    assert shared.capacity.usable_cores == pytest.approx(2 - shared.rps * 0.44e-3)
    assert sharing(made, demands, cores=2.0, generator_ms=0.0) == made  # Locust's CPU not measured
    # A rate whose Locust share leaves the CPU unbound: the users' bound stands (20 / 100 ms).
    slow = Demands(wall_ms=100.0, cpu_ms=0.76, threadpool_ms=100.0)
    light = predict("users", slow, capacity, Load(users=10))
    assert light is not None and sharing(light, slow, 2.0, 0.44).rps == pytest.approx(200.0, rel=1e-6)
