"""From what the lab measures to the model's inputs: one request of a class's demands (issue 21 §1).

Pure arithmetic over numbers the lab already has at one user (a `lab compare` cell at `--users 1`, or the
runner's calibration), each handler's row included:

- wall (R0): the mean response time Locust saw: the user's own cycle, less its think time;
- CPU: the server's cores while the users were sending, over the requests per second (the lab's caller
  replaces it with the server's own CPU per request where the server measured it: lab.server.demand);
- thread pool: each handler that holds a token (`def`, or `def` dependencies) holds it for its server-side
  time, weighted by its share of the requests;
- event loop: what a request's steps held their worker's loop for, measured by the server (each step,
  from a resume to the next suspension, of the request and of the tasks it starts: lab.server.loop_time)
  where every handler has it: CPU inline and blocking calls hold the loop; awaited I/O does not; a `def`
  handler's dispatch and response do. Without it (the file of an older lab), estimated from the loop
  probe: its timer, due at random moments, is late by what is left of the episode it lands in, so its
  mean lag is lambda E[B^2] / 2 per loop (the residual life of the busy episodes B, requests arriving at
  lambda per loop), B = sqrt(2 x mean lag x loops / req/s) at one user; where B reaches BLOCKING_SHARE of
  an async handler's time it holds the loop for that time, capped by B; else 0. That estimate needs every
  loop to serve (one user on two workers leaves one loop idle, diluting the mean) and a loop nothing else
  delays (another process on its core reads as blocking): the measured time needs neither. Without the
  mean (an older file), the probe's p99 stands in.
The DB pool and the process pool of a user's app are not seen by the lab: 0 (no bound).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from lab.model.inputs import Demands, ModelInputError

BLOCKING_SHARE = 0.5  # loop lag at one user, of an async handler's time, from which it blocks the loop
# The handlers' own CPU per request over the server's whole CPU per request, from which a one-user run's
# requests overlapped (see `overlap_scale`); under it the lab's probes and scrapes make up the difference.
OVERLAP = 1.25


@dataclass(frozen=True)
class HandlerAtOneUser:
    share: float  # of the class's requests
    server_ms: float  # server-side mean time at one user
    threadpool: bool  # holds a thread-pool token
    loop_ms: float | None = None  # its tasks' time on the event loop, measured (None: not measured)


def class_demands(
    *,
    wall_ms: float,
    rps: float,
    server_cores: float | None,
    handlers: Sequence[HandlerAtOneUser],
    loop_lag_p99_ms: float | None = None,
    loop_lag_mean_ms: float | None = None,
    loops: int = 1,
) -> Demands:
    """The demands of one request of the class, measured at one user (see the module)."""
    if not rps > 0:
        raise ModelInputError(f"a one-user run that served nothing has no demands (rps {rps!r})")
    cpu_ms = 0.0
    if server_cores is not None:
        cpu_ms = server_cores / rps * 1000
    total = sum(h.share for h in handlers) or 1.0
    pool_ms = sum(h.share * h.server_ms for h in handlers if h.threadpool) / total
    if handlers and all(h.loop_ms is not None for h in handlers):
        loop_ms = sum(h.share * (h.loop_ms or 0.0) for h in handlers) / total
    else:
        loop_ms = _probed_loop_ms(handlers, total, rps, loop_lag_p99_ms, loop_lag_mean_ms, loops)
    return Demands(wall_ms=wall_ms, cpu_ms=cpu_ms, threadpool_ms=pool_ms, loop_ms=loop_ms)


def _probed_loop_ms(
    handlers: Sequence[HandlerAtOneUser], total: float, rps: float, lag_p99_ms: float | None,
    lag_mean_ms: float | None, loops: int,
) -> float:  # fmt: skip
    """The loop demand estimated from the loop probe's lag (see the module), where it was not measured."""
    lag = lag_p99_ms or 0.0
    if lag_mean_ms is not None:  # B = sqrt(2 x mean lag x loops / lambda), in ms
        lag = math.sqrt(2 * lag_mean_ms * max(loops, 1) * 1000 / rps)
    return (
        sum(
            h.share * min(h.server_ms, lag)
            for h in handlers
            if not h.threadpool and lag >= BLOCKING_SHARE * h.server_ms
        )
        / total
    )


def in_cell_loop_ms(loop_busy: float | None, rps: float | None, one_user: Demands) -> float | None:
    """The loop time per request a cell's bounds use: the cell's own (loop busy seconds per second over
    req/s: D = B / C, as for the CPU) where it is less than one user's, else one user's; None where the
    cell did not measure it. Under load a request's steps take less than alone (caches warm; the shop's
    item page: 0.36 ms in the cell against 1.05 ms alone), and a step's wall time can only grow by
    waiting, for a core or for the GIL that the worker's threads hold (a CPU-bound `def` handler's
    dispatch waits behind its 30 threads): that is not the loop's demand, so the smaller figure bounds."""
    if loop_busy is None or not rps or one_user.loop_ms <= 0:
        return None
    return min(loop_busy / rps * 1000, one_user.loop_ms)


def in_cell(
    one_user: Demands, server_cores: float | None, loop_busy: float | None, rps: float | None
) -> Demands:
    """The demands a cell's bounds use: its own CPU and loop time per request where measured
    (in_cell_cpu_ms, in_cell_loop_ms), else the one-user figures."""
    updates: dict[str, float] = {}
    if cpu_ms := in_cell_cpu_ms(server_cores, rps):
        updates["cpu_ms"] = cpu_ms
    if (loop_ms := in_cell_loop_ms(loop_busy, rps, one_user)) is not None:
        updates["loop_ms"] = loop_ms
    return dataclasses.replace(one_user, **updates)


def in_cell_cpu_ms(server_cores: float | None, rps: float | None) -> float | None:
    """The cell's own CPU per request (the utilization law read backwards, D = B / C over the cell's
    window; Lazowska et al. ch. 3): what the CPU bound of that cell uses where it was measured."""
    if server_cores is None or not rps:
        return None
    return server_cores / rps * 1000


def overlap_scale(shares_cpu_ms: Sequence[tuple[float, float]], class_cpu_ms: float | None) -> float:
    """What each handler's CPU per request measured at one user is multiplied by: 1, unless the requests
    overlapped in their worker. The server measures a request's CPU as its worker's (every thread) while
    the request is in flight; at one user that is the request's own, unless work outlives its response
    (a background task: a sign-up's 60 ms e-mail, 40 of them in flight behind one user). Their weighted
    mean (`shares_cpu_ms`: share, ms) then exceeds the server's whole CPU per request (its cores over
    req/s, `class_cpu_ms`: the utilization law, which no overlap inflates), and the figures are scaled
    to it, keeping the handlers' proportions."""
    total = sum(share for share, _ in shares_cpu_ms)
    if not class_cpu_ms or total <= 0:
        return 1.0
    weighted = sum(share * ms for share, ms in shares_cpu_ms) / total
    return class_cpu_ms / weighted if weighted > OVERLAP * class_cpu_ms else 1.0
