"""From what the lab measures to the model's inputs: one request of a class's demands (issue 21 §1).

Pure arithmetic over numbers the lab already has at one user (a `lab compare` cell at `--users 1`, or the
runner's calibration), each handler's row included:

- wall (R0): the mean response time Locust saw: the user's own cycle, less its think time;
- CPU: the server's cores while the users were sending, over the requests per second (the lab's caller
  replaces it with the server's own CPU per request where the server measured it: lab.server.demand);
- thread pool: each handler that holds a token (`def`, or `def` dependencies) holds it for its server-side
  time, weighted by its share of the requests;
- event loop: an `async` handler holds its worker's loop for what blocks it. Awaiting I/O leaves the loop
  free (its lag stays small beside the handler's time); CPU inline or a blocking call holds it for the
  handler's time, which the loop's lag at one user then shows. So: where the p99 lag at one user reaches
  BLOCKING_SHARE of an async handler's time, that time capped by the lag; else 0 (a few ms of lag under
  a 100 ms await is the machine's noise, not the handler). A handler that awaits most of its time and
  blocks a little is missed; the CPU it burns on the loop is in the CPU bound anyway.
The DB pool and the process pool of a user's app are not seen by the lab: 0 (no bound).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.model.inputs import Demands, ModelInputError

BLOCKING_SHARE = 0.5  # loop lag at one user, of an async handler's time, from which it blocks the loop


@dataclass(frozen=True)
class HandlerAtOneUser:
    share: float  # of the class's requests
    server_ms: float  # server-side mean time at one user
    threadpool: bool  # holds a thread-pool token


def class_demands(
    *,
    wall_ms: float,
    rps: float,
    server_cores: float | None,
    handlers: Sequence[HandlerAtOneUser],
    loop_lag_p99_ms: float | None = None,
) -> Demands:
    """The demands of one request of the class, measured at one user (see the module)."""
    if not rps > 0:
        raise ModelInputError(f"a one-user run that served nothing has no demands (rps {rps!r})")
    cpu_ms = 0.0
    if server_cores is not None:
        cpu_ms = server_cores / rps * 1000
    total = sum(h.share for h in handlers) or 1.0
    pool_ms = sum(h.share * h.server_ms for h in handlers if h.threadpool) / total
    lag = loop_lag_p99_ms or 0.0
    loop_ms = (
        sum(
            h.share * min(h.server_ms, lag)
            for h in handlers
            if not h.threadpool and lag >= BLOCKING_SHARE * h.server_ms
        )
        / total
    )
    return Demands(wall_ms=wall_ms, cpu_ms=cpu_ms, threadpool_ms=pool_ms, loop_ms=loop_ms)


def in_cell_cpu_ms(server_cores: float | None, rps: float | None) -> float | None:
    """The cell's own CPU per request (the utilization law read backwards, D = B / C over the cell's
    window; Lazowska et al. ch. 3): what the CPU bound of that cell uses where it was measured."""
    if server_cores is None or not rps:
        return None
    return server_cores / rps * 1000
