"""Mean value analysis, checked against an independent exact method and as properties."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lab.model.bounds import bounds, ceiling
from lab.model.inputs import Capacity, Demands, Load
from lab.model.mva import Station, mva, seidmann, sweep


def buzen(demands: list[float], think: float, n: int) -> float:
    """X(n) by Buzen's convolution algorithm (Lazowska et al. ch. 8): a product-form network of
    single-server queues and a delay of Z; X(n) = G(n - 1) / G(n). A separate method from MVA's."""
    g = [think**k / math.factorial(k) for k in range(n + 1)]  # the delay station alone
    for d in demands:
        for k in range(1, n + 1):
            g[k] = g[k] + d * g[k - 1]
    return g[n - 1] / g[n]


def test_mva_matches_the_convolution_algorithm() -> None:
    """A worked network: three queues of 0.2, 0.1 and 0.05 s, think time 1 s, up to 20 users."""
    demands, think = [0.2, 0.1, 0.05], 1.0
    curve = mva([Station(f"q{i}", d) for i, d in enumerate(demands)], think, 20)
    for point in curve:
        assert point.rps == pytest.approx(buzen(demands, think, point.users), rel=1e-9)
    # Response time law: R = N / X - Z.
    assert curve[-1].response_ms / 1000 == pytest.approx(20 / curve[-1].rps - think)


def test_one_queue_without_think_time_is_saturated_from_the_first_user() -> None:
    curve = mva([Station("cpu", 0.01)], 0.0, 5)
    assert [p.rps for p in curve] == pytest.approx([100.0] * 5)
    assert [p.response_ms for p in curve] == pytest.approx([10, 20, 30, 40, 50])


def test_a_share_of_a_core_is_one_slower_server() -> None:
    assert seidmann("cpu", 0.01, 0.5) == [Station("cpu", 0.02)]


def test_seidmann_keeps_one_user_exact_and_saturates_at_c_over_d() -> None:
    stations = seidmann("threadpool", 0.1, 4)
    assert sum(s.demand_s for s in stations) == pytest.approx(0.1)
    curve = mva(stations, 0.0, 200)
    assert curve[0].rps == pytest.approx(10.0)
    assert curve[-1].rps == pytest.approx(40.0, rel=0.01)


positive = st.floats(min_value=0.1, max_value=200)


@given(
    wall=positive, cpu_share=st.floats(0.0, 1.0), pool_share=st.floats(0.0, 1.0), think=st.floats(0, 2000),
    workers=st.integers(1, 4), cores=st.floats(min_value=1, max_value=4), tokens=st.integers(1, 50),
)  # fmt: skip
def test_the_curve_starts_at_one_over_r0_plus_z_and_rises_to_the_ceiling(
    wall: float, cpu_share: float, pool_share: float, think: float, workers: int, cores: float, tokens: int
) -> None:
    d = Demands(wall_ms=wall, cpu_ms=wall * cpu_share, threadpool_ms=wall * pool_share)
    cap = Capacity(workers=workers, usable_cores=cores, threadpool=tokens)
    top = ceiling([b for b in bounds(d, cap, Load(users=1)) if b.resource != "users"])
    # Far past the knee N* = (R0 + Z) / Dmax the curve is at its plateau.
    knee = (wall + think) / 1000 * top.rps if top is not None else 1.0
    assume(knee <= 100)  # keeps the sweep short enough to reach the plateau
    far = int(20 * knee) + 2
    curve = sweep(d, cap, think, list(range(1, far + 1)))
    assert curve[0].rps == pytest.approx(1000 / (wall + think))
    rps = [p.rps for p in curve]
    assert all(b >= a * (1 - 1e-9) for a, b in itertools.pairwise(rps))  # never falls
    for p in curve:  # never above either asymptote
        assert p.rps <= p.users * 1000 / (wall + think) * (1 + 1e-9)
        if top is not None:
            assert p.rps <= top.rps * (1 + 1e-9)
    if top is not None:
        assert rps[-1] == pytest.approx(top.rps, rel=0.05)


def test_work_that_outlives_the_response_loads_the_pool_but_not_the_users_cycle() -> None:
    """A `def` sign-up answers in 1.34 ms and leaves a 60 ms background task on the thread pool: 61.6 ms
    of token time a request, 40 tokens. A user who thinks 10 ms cycles in R0 + Z (88 req/s), not in
    61.6 ms + Z; twenty would send 1760 req/s, past the pool's bound, 40 / 61.6 ms = 649 req/s, which
    holds with R from N / X - Z. Without thinking, one user alone would fill the pool (746 x 61.6 ms is
    46 tokens): the bound from the first user."""
    d = Demands(wall_ms=1.34, cpu_ms=0.7, threadpool_ms=61.6)
    cap = Capacity(workers=1, usable_cores=1.7, threadpool=40)
    one, twenty = sweep(d, cap, 10.0, [1, 20])
    assert one.rps == pytest.approx(1000 / 11.34, rel=0.01)
    assert one.response_ms == pytest.approx(1.34, rel=0.01)
    assert twenty.rps == pytest.approx(40 * 1000 / 61.6)
    assert twenty.response_ms == pytest.approx(20 / twenty.rps * 1000 - 10.0)
    (alone,) = sweep(d, cap, 0.0, [1])
    assert alone.rps == pytest.approx(40 * 1000 / 61.6)
