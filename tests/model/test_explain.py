"""A cell's verdict, the rule for `unexplained`, and what --verify predicts."""

from __future__ import annotations

import pytest

from lab.model.explain import generator_queue, grown, judge
from lab.model.inputs import Capacity, Demands, Load
from lab.model.mva import sweep
from lab.model.verify import outcome, predict

CPU_BOUND = Demands(wall_ms=3.0, cpu_ms=2.9)  # a CPU-bound `def` handler: 2.9 ms of 3 ms on a core
ONE_CORE = Capacity(workers=1, usable_cores=1.0, threadpool=40)


def test_a_cpu_bound_cell_is_explained_by_the_cpu_not_the_users() -> None:
    """Issue 21: 348 req/s measured against a users / service-time ceiling of thousands."""
    v = judge(330.0, CPU_BOUND, ONE_CORE, Load(users=20))
    assert v.binding == "cpu"
    assert v.ceiling_rps == pytest.approx(1000 / 2.9)
    assert v.efficiency == pytest.approx(330 * 2.9 / 1000)
    assert v.utilization["cpu"] == pytest.approx(v.efficiency)


def test_near_the_knee_mean_value_analysis_is_the_ceiling_and_the_smallest_bound_names_it() -> None:
    """20 users thinking 100 ms at 10 ms R0, 6.3 ms of one core each: the users allow 182 req/s and the
    CPU 159, but a closed loop that close to its knee queues first; exact MVA over the same demands
    predicts about 138 (the notes app of an ORM on SQLite measured 138 there)."""
    d, load = Demands(wall_ms=10.0, cpu_ms=6.3), Load(users=20, think_ms=100.0)
    mva_rps = sweep(d, ONE_CORE, 100.0, [20])[0].rps
    assert 120 < mva_rps < 0.98 * 1000 / 6.3
    v = judge(138.0, d, ONE_CORE, load, predicted_rps=mva_rps)
    assert v.ceiling_rps == pytest.approx(mva_rps) and v.binding == "cpu"
    assert v.ceiling_formula is not None and v.ceiling_formula.startswith("mean value analysis at 20 users")
    assert 0.85 <= (v.efficiency or 0) <= 1.10
    far = judge(330.0, CPU_BOUND, ONE_CORE, Load(users=20), predicted_rps=0.99 * 1000 / 2.9)
    assert far.ceiling_rps == pytest.approx(1000 / 2.9)  # past the knee the bound stands


def test_think_time_enters_the_closed_loop() -> None:
    """40 users thinking about 1 s (`between(0.5, 1.5)`) at ~25 ms each: about 39 req/s, not 1,600."""
    v = judge(38.5, Demands(wall_ms=25, cpu_ms=2), ONE_CORE, Load(users=40, think_ms=1000))
    assert v.binding == "users"
    assert v.ceiling_rps == pytest.approx(40 / 1.025)
    assert 0.85 <= (v.efficiency or 0) <= 1.10


def test_low_efficiency_with_every_resource_idle_is_unexplained_with_the_utilizations() -> None:
    measured = {"cpu": 0.3, "generator": 0.2}
    v = judge(100.0, CPU_BOUND, ONE_CORE, Load(users=20), measured=measured)
    assert v.binding == "unexplained"
    assert v.efficiency is not None and v.efficiency < 0.8
    assert v.measured == measured and set(v.utilization) == {"users", "cpu"}


def test_a_pool_measured_full_far_beyond_its_demand_stays_unexplained_and_says_how_far() -> None:
    """A starved pool whose tokens were held 20x longer under load than at one user: the demands do not
    explain the cell, and `grown` points at the pool."""
    d, cap = Demands(wall_ms=3.0, cpu_ms=2.0, threadpool_ms=3.2), Capacity(1, 1.9, 4)
    v = judge(64.0, d, cap, Load(users=20), measured={"cpu": 0.19, "threadpool": 1.0})
    assert v.binding == "unexplained"
    assert grown(v) == pytest.approx({"threadpool": 1.0 / (64 * 0.0032 / 4)})


def test_a_saturated_load_generator_binds_whatever_the_efficiency() -> None:
    v = judge(100.0, CPU_BOUND, ONE_CORE, Load(users=20), measured={"cpu": 0.3, "generator": 0.95})
    assert v.binding == "generator"


def test_doubling_the_thread_pool_predicts_the_next_bound() -> None:
    """4 tokens x 1 worker over 100 ms: 40 req/s; 8 tokens: 80 req/s, still the pool below the users."""
    d, cap, load = Demands(wall_ms=100, cpu_ms=1, threadpool_ms=100), Capacity(1, 2, 4), Load(users=50)
    p = predict("threadpool", d, cap, load)
    assert p is not None and (p.knob, p.before, p.after) == ("threadpool", 4, 8)
    assert p.rps == pytest.approx(80) and p.binding == "threadpool"
    # 16 users: doubling the pool moves the ceiling to the users' bound instead.
    p = predict("threadpool", d, cap, Load(users=6))
    assert p is not None and p.rps == pytest.approx(60) and p.binding == "users"


def test_cpu_is_verified_with_more_workers_and_the_cores_then_bind() -> None:
    p = predict("cpu", CPU_BOUND, Capacity(workers=1, usable_cores=1.5, threadpool=40), Load(users=50))
    assert p is not None and p.knob == "workers" and p.rps == pytest.approx(1.5 / 0.0029)


def test_what_names_no_knob_is_not_verifiable() -> None:
    assert predict("unexplained", CPU_BOUND, ONE_CORE, Load(users=5)) is None
    assert predict("generator", CPU_BOUND, ONE_CORE, Load(users=5)) is None
    assert predict("db_pool", CPU_BOUND, ONE_CORE, Load(users=5)) is None  # no pool in the configuration


def test_outcome_within_fifteen_percent() -> None:
    assert outcome(100, 86) == "confirmed"
    assert outcome(100, 84) == "refuted"
    assert outcome(100, None) == "not verifiable"


def test_the_generator_queue_explains_only_a_closed_loop_short_of_its_bound_that_grew_outside() -> None:
    """R0 102 ms, 100 users: 790 req/s is 0.82 of the users' bound; 13.5 ms more outside the server
    than at one user bring the bound to 866 req/s, where the cell sits in the band."""
    d, cap = Demands(wall_ms=102.0, cpu_ms=0.5, threadpool_ms=101.0), Capacity(1, 1.0, 200)
    closed = Load(users=100, think_ms=2.0)
    v = judge(790.0, d, cap, closed)
    assert v.binding == "unexplained"
    found = generator_queue(v, 790.0, d, cap, closed, 13.5)
    assert found.binding == "generator"
    assert found.ceiling_rps == pytest.approx(100 / 0.1175)
    assert found.utilization == v.utilization  # the law's, from the one-user demands, unchanged
    assert generator_queue(v, 790.0, d, cap, closed, 0.0) is v  # nothing grew outside: unexplained
    assert generator_queue(v, 790.0, d, cap, closed, None) is v  # not measured
    assert generator_queue(v, 790.0, d, cap, closed, 200.0) is v  # far too much: above the band, no
    explained = judge(950.0, d, cap, closed)
    assert generator_queue(explained, 950.0, d, cap, closed, 13.5) is explained  # 0.99: at the users' bound
    short = judge(850.0, d, cap, closed)  # 0.88 of the users' bound: named, but short of it
    assert short.binding == "users"
    queued = generator_queue(short, 850.0, d, cap, closed, 13.5)
    assert queued.binding == "generator" and queued.efficiency == pytest.approx(850 / (100 / 0.1175))
    assert generator_queue(short, 850.0, d, cap, closed, 0.0) is short  # nothing grew outside: the users
    opened = Load(rate=790.0)
    open_v = judge(600.0, d, cap, opened)
    assert generator_queue(open_v, 600.0, d, cap, opened, 13.5) is open_v  # an open model has no loop
