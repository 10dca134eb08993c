"""The measured numbers of a one-user run turned into demands."""

from __future__ import annotations

import pytest

from lab.model.inputs import ModelInputError
from lab.model.measured import HandlerAtOneUser, class_demands, in_cell_cpu_ms


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
