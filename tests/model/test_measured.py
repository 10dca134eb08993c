"""The measured numbers of a one-user run turned into demands."""

from __future__ import annotations

import pytest

from lab.model.inputs import Demands, ModelInputError
from lab.model.measured import (
    HandlerAtOneUser,
    class_demands,
    in_cell,
    in_cell_cpu_ms,
    in_cell_loop_ms,
    overlap_scale,
)


def test_a_mix_of_def_and_async_handlers() -> None:
    """75% `def` at 4 ms (thread pool), 25% async at 8 ms blocking the loop 6 ms; 100 req/s at one user
    with the server at 0.2 cores: 2 ms of CPU per request."""
    d = class_demands(
        wall_ms=6.0, rps=100.0, server_cores=0.2, loop_lag_p99_ms=6.0,
        handlers=[HandlerAtOneUser(0.75, 4.0, True), HandlerAtOneUser(0.25, 8.0, False)],
    )  # fmt: skip
    assert (d.wall_ms, d.cpu_ms, d.threadpool_ms, d.loop_ms) == pytest.approx((6.0, 2.0, 3.0, 1.5))


def test_an_async_handler_that_awaits_holds_no_loop() -> None:
    d = class_demands(
        wall_ms=50, rps=20, server_cores=0.02, loop_lag_p99_ms=0.3, handlers=[HandlerAtOneUser(1, 50, False)]
    )
    assert d.loop_ms == 0  # 0.3 ms of lag under a 50 ms await: noise
    assert d.threadpool_ms == 0


def test_nothing_served_is_refused() -> None:
    with pytest.raises(ModelInputError, match="served nothing"):
        class_demands(wall_ms=5, rps=0, server_cores=0.1, handlers=[])


def test_the_cells_own_cpu_per_request() -> None:
    assert in_cell_cpu_ms(0.9, 450) == pytest.approx(2.0)
    assert in_cell_cpu_ms(None, 450) is None
    assert in_cell_cpu_ms(0.9, 0) is None


def test_the_loop_demand_comes_from_the_mean_lag_not_a_preempted_probe() -> None:
    """An async handler awaiting an upstream for 25 ms: one probe in a hundred preempted for 20 ms puts the
    p99 lag at 20 ms (the old rule: the loop held for 20 ms) but the mean at 0.2 ms: B = sqrt(2 x 0.2 ms /
    40 req/s) = 3.2 ms, under half the handler's time: the loop is not held."""
    awaiting = [HandlerAtOneUser(1, 25, False)]
    d = class_demands(
        wall_ms=25, rps=40, server_cores=0.1, loop_lag_p99_ms=20, loop_lag_mean_ms=0.2, handlers=awaiting
    )
    assert d.loop_ms == 0
    # time.sleep(0.1) inside async def, back to back: the probe waits half an episode on average (50 ms)
    blocking = [HandlerAtOneUser(1, 100, False)]
    d = class_demands(
        wall_ms=101, rps=9.9, server_cores=0.01, loop_lag_p99_ms=99, loop_lag_mean_ms=50, handlers=blocking
    )
    assert d.loop_ms == pytest.approx(100, rel=0.01)
    # Four workers, one of them serving the one user: the mean over every loop's probes is a quarter.
    d = class_demands(
        wall_ms=101, rps=9.9, server_cores=0.01, loop_lag_mean_ms=12.5, loops=4, handlers=blocking
    )
    assert d.loop_ms == pytest.approx(100, rel=0.01)


def test_the_loop_time_the_server_measured_is_the_loop_demand() -> None:
    """Every handler with its tasks' loop time measured (lab.server.loop_time): their mix is the demand,
    whatever the probe says: a process pool's awaits hold 0.4 ms of loop even where a busy core made the
    probe late (the estimate from its mean lag would say 7 ms), and a `def` handler's dispatch counts."""
    measured = [HandlerAtOneUser(0.5, 12, False, loop_ms=0.4), HandlerAtOneUser(0.5, 100, True, loop_ms=0.6)]
    d = class_demands(
        wall_ms=56, rps=18, server_cores=0.2, loop_lag_mean_ms=0.5, loop_lag_p99_ms=9, handlers=measured
    )
    assert d.loop_ms == pytest.approx(0.5)
    # One handler without it (an older server): the probe's estimate for all, as before.
    partly = [HandlerAtOneUser(0.5, 100, False, loop_ms=100), HandlerAtOneUser(0.5, 100, False)]
    d = class_demands(wall_ms=101, rps=9.9, server_cores=0.01, loop_lag_mean_ms=50, handlers=partly)
    assert d.loop_ms == pytest.approx(100, rel=0.01)


def test_the_cells_own_loop_time_where_it_is_less_than_one_users() -> None:
    """0.9 loop seconds per second at 600 req/s: 1.5 ms a request in the cell, under one user's 3.2 ms (a
    loop less busy than one user's figure says): 1.5 bounds. A cell whose steps took longer than alone
    waited (for a core, for the GIL its threads hold): one user's figure stays. Not measured: it stays."""
    alone = Demands(wall_ms=24, cpu_ms=3.0, loop_ms=3.2)
    assert in_cell_loop_ms(0.9, 600, alone) == pytest.approx(1.5)
    assert in_cell(alone, 1.2, 0.9, 600) == Demands(wall_ms=24, cpu_ms=2.0, loop_ms=1.5)
    threaded = Demands(wall_ms=24, cpu_ms=12.0, threadpool_ms=20, loop_ms=1.0)
    assert in_cell_loop_ms(0.9, 300, threaded) == pytest.approx(1.0)  # 3 ms in the cell: it waited
    assert in_cell(threaded, None, 0.9, 300) == threaded
    assert in_cell_loop_ms(None, 600, alone) is None and in_cell_loop_ms(0.9, 0, alone) is None


def test_cpu_measured_while_requests_overlapped_is_scaled_to_the_servers() -> None:
    """A sign-up whose e-mail goes out in a background task (60 ms) after the response: behind one user
    40 of them are in flight, and each request's CPU (its worker's, while it is in flight) counted its
    neighbours': 22.5 ms a request, where the server's cores over req/s gave 0.7. The figures are scaled
    to the server's, in proportion; requests that did not overlap keep theirs (the lab's probes and
    scrapes make the server's a little more)."""
    assert overlap_scale([(1.0, 22.5)], 0.7) == pytest.approx(0.7 / 22.5)
    assert overlap_scale([(0.75, 30.0), (0.25, 6.0)], 1.2) == pytest.approx(1.2 / 24.0)
    assert overlap_scale([(1.0, 1.1)], 1.0) == 1.0  # within OVERLAP: as measured
    assert overlap_scale([(1.0, 0.8)], 1.0) == 1.0
    assert overlap_scale([(1.0, 5.0)], None) == 1.0  # the server's cores not read: nothing to scale to
