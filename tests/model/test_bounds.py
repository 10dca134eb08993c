"""The bounds of operational analysis, checked on textbook numbers and as properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.model.bounds import bounds, ceiling, utilization
from lab.model.inputs import Capacity, Demands, Load, ModelInputError, mix


def test_asymptotic_bounds_of_an_interactive_system() -> None:
    """Lazowska et al. ch. 5 (5.3, interactive systems): X(N) <= min(N / (D + Z), 1 / Dmax), and the
    two lines cross at N* = (D + Z) / Dmax. Here one worker on one core: D = 40 ms of CPU, R0 = 50 ms
    (10 ms of it waiting on nothing the server holds), Z = 950 ms; Dmax = 40 ms, so X <= 25 req/s and
    N* = 1000 / 40 = 25 users."""
    d = Demands(wall_ms=50, cpu_ms=40)
    cap = Capacity(workers=1, usable_cores=1, threadpool=40)
    at = {n: ceiling(bounds(d, cap, Load(users=n, think_ms=950))) for n in (1, 10, 25, 26, 100)}
    assert at[1] is not None and at[1].resource == "users" and at[1].rps == pytest.approx(1.0)
    assert at[10] is not None and at[10].rps == pytest.approx(10.0)
    assert at[25] is not None and at[25].rps == pytest.approx(25.0)  # N*: both lines meet
    assert at[26] is not None and at[26].resource == "cpu" and at[26].rps == pytest.approx(25.0)
    assert at[100] is not None and at[100].resource == "cpu"


def test_each_resource_bound_is_its_capacity_over_its_demand() -> None:
    d = Demands(wall_ms=100, cpu_ms=5, threadpool_ms=100, loop_ms=1, db_pool_ms=80, process_pool_ms=20)
    cap = Capacity(workers=2, usable_cores=1.5, threadpool=4, db_pool=5, process_pool=3)
    found = {b.resource: b.rps for b in bounds(d, cap, Load(users=1000))}
    assert found == pytest.approx(
        {
            "users": 1000 / 0.1,
            "cpu": 1.5 / 0.005,  # min(2 workers, 1.5 cores)
            "threadpool": 8 / 0.1,
            "loop": 2 / 0.001,
            "db_pool": 10 / 0.08,
            "process_pool": 6 / 0.02,
        }
    )
    top = ceiling(bounds(d, cap, Load(users=1000)))
    assert top is not None and top.resource == "threadpool" and top.rps == pytest.approx(80)


def test_open_model_is_bound_by_its_rate_not_its_users() -> None:
    found = bounds(Demands(wall_ms=10, cpu_ms=2), Capacity(1, 1, 40), Load(users=50, rate=100))
    assert [b.resource for b in found] == ["rate", "cpu"]
    top = ceiling(found)
    assert top is not None and top.resource == "rate" and top.rps == 100


def test_cpu_wins_a_tie_with_the_loop() -> None:
    """CPU inline in `async def`: it holds the loop and a core for the same time; the CPU is named."""
    top = ceiling(bounds(Demands(wall_ms=5, cpu_ms=5, loop_ms=5), Capacity(1, 2, 40), Load(users=10)))
    assert top is not None and top.resource == "cpu"


def test_a_pool_the_configuration_lacks_sets_no_bound() -> None:
    found = bounds(Demands(wall_ms=5, db_pool_ms=5), Capacity(1, 2, 40), Load(users=1))
    assert [b.resource for b in found] == ["users"]


def test_utilization_law() -> None:
    """U = X x D / capacity: 60 req/s x 10 ms of CPU on 1 core = 0.6; users 2 x ... over R0 + Z."""
    found = bounds(Demands(wall_ms=20, cpu_ms=10), Capacity(1, 1, 40), Load(users=2, think_ms=20))
    u = utilization(60, found)
    assert u["cpu"] == pytest.approx(0.6)
    assert u["users"] == pytest.approx(60 / (2 / 0.04))


def test_a_mix_weighs_each_request_type_by_its_share() -> None:
    m = mix([(3, Demands(wall_ms=10, cpu_ms=4)), (1, Demands(wall_ms=50, threadpool_ms=50))])
    assert (m.wall_ms, m.cpu_ms, m.threadpool_ms) == pytest.approx((20, 3, 12.5))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Demands(wall_ms=-1),
        lambda: Demands(wall_ms=math.nan),
        lambda: Capacity(workers=0, usable_cores=1, threadpool=1),
        lambda: Capacity(workers=1, usable_cores=0, threadpool=1),
        lambda: Capacity(workers=1, usable_cores=1, threadpool=1, db_pool=0),
        lambda: Capacity(workers=2, usable_cores=1, threadpool=1, spread=0.5),
        lambda: Capacity(workers=1, usable_cores=1, threadpool=1, worker_cores=-0.1),
        lambda: Load(),
        lambda: Load(users=0),
        lambda: Load(users=1, think_ms=-5),
        lambda: mix([]),
    ],
)
def test_bad_inputs_are_refused_with_a_message(build: object) -> None:
    with pytest.raises(ModelInputError, match=r"\w"):
        build()  # type: ignore[operator]


positive = st.floats(min_value=0.01, max_value=1000)


@given(
    wall=positive, cpu=positive, pool=positive, users=st.integers(1, 500), workers=st.integers(1, 8),
    cores=st.floats(min_value=0.5, max_value=16), tokens=st.integers(1, 200),
    knob=st.sampled_from(["workers", "threadpool", "usable_cores"]),
)  # fmt: skip
def test_the_ceiling_never_falls_when_a_capacity_grows(
    wall: float, cpu: float, pool: float, users: int, workers: int, cores: float, tokens: int, knob: str
) -> None:
    d = Demands(wall_ms=wall, cpu_ms=cpu, threadpool_ms=pool)
    small = Capacity(workers=workers, usable_cores=cores, threadpool=tokens)
    big = Capacity(**{**small.__dict__, knob: getattr(small, knob) * 2})
    load = Load(users=users)
    a, b = ceiling(bounds(d, small, load)), ceiling(bounds(d, big, load))
    assert a is not None and b is not None
    assert b.rps >= a.rps * (1 - 1e-12)


def test_a_short_window_counts_each_users_first_request_unthought() -> None:
    """40 users, R0 10 ms, Z 990 ms, all started at once, counted over 5 s: each completes on average
    (5 - 0.01) / 1 + 0.5 = 5.49 requests, (5 + (0.99 - 0.01) / 2) / 5 = 1.098 times 40 / 1 s."""
    d, cap = Demands(wall_ms=10), Capacity(1, 2, 40)
    steady = ceiling(bounds(d, cap, Load(users=40, think_ms=990)))
    window = ceiling(bounds(d, cap, Load(users=40, think_ms=990, window_s=5)))
    assert steady is not None and window is not None
    assert window.rps == pytest.approx(40 * 5.49 / 5)
    assert window.rps == pytest.approx(steady.rps * 1.098)
    assert "5 s window" in window.formula
    # No think time: the window's cut costs half a cycle, users spawned over a second half of it.
    spawned = ceiling(bounds(Demands(wall_ms=100), cap, Load(users=20, window_s=5, spawn_s=1)))
    assert spawned is not None and spawned.rps == pytest.approx(200 * (5 - 0.5 - 0.05) / 5)
    with pytest.raises(ModelInputError, match="window_s"):
        Load(users=1, window_s=1, spawn_s=2)


def test_an_uneven_spread_bounds_the_per_worker_resources_by_the_busiest_worker() -> None:
    """The utilization law on the busiest worker: 100 keep-alive users split 76 / 24 over two workers of
    40 tokens (spread = total / busiest, as measured: 1 / 0.62 = 1.6), 100 ms a token: the busiest
    worker's pool fills at 400 req/s, which is 0.62 of the requests, so X <= 400 / 0.62 = 1.6 x 400. The
    CPU counts the same workers; the users' bound is the whole loop's."""
    d = Demands(wall_ms=101.0, cpu_ms=0.5, threadpool_ms=100.0, loop_ms=0.2)
    even = Capacity(workers=2, usable_cores=1.9, threadpool=40)
    uneven = Capacity(workers=2, usable_cores=1.9, threadpool=40, spread=1.6)
    found = {b.resource: b for b in bounds(d, uneven, Load(users=100))}
    assert found["threadpool"].rps == pytest.approx(1.6 * 40 * 1000 / 100.0)
    assert "workers 2 spread as 1.6 x tokens 40" in found["threadpool"].formula
    assert found["loop"].rps == pytest.approx(1.6 * 1000 / 0.2)
    assert found["cpu"].rps == pytest.approx(1.6 * 1000 / 0.5)
    assert found["users"].rps == {b.resource: b for b in bounds(d, even, Load(users=100))}["users"].rps
    # A spread measured over more workers than there are (rounding) counts them all.
    assert Capacity(workers=2, usable_cores=1.9, threadpool=40, spread=2.01).balanced == 2


def test_a_worker_measured_above_one_core_counts_its_threads_not_one_core() -> None:
    """PBKDF2 in a `def` handler (hashlib releases the GIL): one uvicorn worker's 20 threads used 1.88 of
    the 1.92 cores Locust left, 15.5 ms of CPU a request. Held to one core, the bound (65 req/s) is half
    what it served; counted as its threads (40 tokens and the loop), the usable cores bind: 124 req/s. A
    worker at one core (pure Python, measured 1.0 to 1.01) keeps the one-core rule; spread or not, a
    parallel worker's cores are the machine's."""
    d = Demands(wall_ms=16.1, cpu_ms=15.5, threadpool_ms=15.7, loop_ms=1.0)
    one = Capacity(workers=1, usable_cores=1.92, threadpool=40, worker_cores=1.01)
    free = Capacity(workers=1, usable_cores=1.92, threadpool=40, worker_cores=1.88)
    assert not one.parallel and free.parallel and free.threads == 41
    assert one.cpu_servers == 1 and free.cpu_servers == pytest.approx(1.92)
    found = {b.resource: b for b in bounds(d, free, Load(users=20))}
    assert found["cpu"].rps == pytest.approx(1.92 * 1000 / 15.5)
    assert "workers 1 x threads 41 (a worker used 1.88 cores: its CPU runs outside the GIL)" in (
        found["cpu"].formula
    )
    # Two tokens a worker: at most three threads run its CPU at once, even on 16 cores.
    narrow = Capacity(workers=2, usable_cores=16, threadpool=2, worker_cores=2.5, spread=1.6)
    assert narrow.cpu_servers == pytest.approx(1.6 * 3)
    assert Capacity(workers=2, usable_cores=1.9, threadpool=40).cpu_servers == pytest.approx(1.9)
