"""A Locust master that quits waits for every connected worker's final report, not 0.5 s.

At its quit Locust's master sends each worker "quit", sleeps 0.5 s "for final stats report from all
workers" (`MasterRunner.quit` in locust/runners.py) and stops listening. A worker answers "quit" by
stopping its users, sending its final report and, as it exits, a "quit" message of its own: on a busy
machine that takes longer than 0.5 s, and the master then misses a worker that did not die, in Locust's
statistics and in the exporter's counts alike, and the exporter calls it lost (`locust_worker_lost`).

`wait_at_quit(runner)` makes the master's quit wait, before it stops listening, until every worker it
sent "quit" has said "quit" back (its final report comes before, on the same connection), for at most
`--stop-timeout` plus `FINAL_REPORT_WAIT_S`. A worker that died or lost the master never answers: the
master stops waiting for it once Locust's heartbeats mark it missing, or at the bound, and it is still
counted as lost. A master whose workers are all answering waits no longer than they take.

The other side, `orphan_after(runner)`: a worker that connects to a master in the middle of its quit is
acknowledged but never told to quit, and Locust's worker times out on its master's heartbeats only
after it has had one (60 s after). Such a worker waits on a dead master, then ZeroMQ reconnects it to
the next master at the same address, which does not know it: the next cell waits for a worker that never
comes. A lab worker counts its master's silence from its connection, and gives up after
`MASTER_SILENCE_S` (a live master answers every heartbeat, each second).
"""

from __future__ import annotations

import logging
import time

import gevent
import locust.runners
from locust.rpc import Message
from locust.runners import STATE_MISSING, MasterRunner, Runner, WorkerRunner

MASTER_SILENCE_S = 10  # a lab worker quits after this long without its master's heartbeat
FINAL_REPORT_WAIT_S = 5.0  # beyond --stop-timeout: a worker stops its users before its final report
POLL_S = 0.05

logger = logging.getLogger(__name__)


def orphan_after(runner: Runner | None) -> None:
    """A worker's master silence counted from its connection, MASTER_SILENCE_S at most (see the module)."""
    if isinstance(runner, WorkerRunner):
        locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_SILENCE_S
        if runner.last_heartbeat_timestamp is None:
            runner.last_heartbeat_timestamp = time.time()


def wait_at_quit(runner: Runner | None) -> None:
    """Make a master's `runner.quit()` wait for the workers' final reports (only its first call waits)."""
    if not isinstance(runner, MasterRunner):
        return
    locust_quit = runner.quit
    asked: list[bool] = []

    def quit_after_final_reports() -> None:
        if not asked:
            asked.append(True)
            runner.stop(send_stop_to_client=False)  # as Locust's quit: the test stops before the reports
            final_reports(runner, runner.environment.stop_timeout + FINAL_REPORT_WAIT_S)
        locust_quit()

    runner.quit = quit_after_final_reports  # type: ignore[method-assign]


def final_reports(runner: MasterRunner, bound_s: float) -> list[str]:
    """Ask every connected worker to quit and wait until each has, or is missing; the ids still waited for
    at the bound."""
    asked = [client.id for client in runner.clients.all if client.state != STATE_MISSING]
    for client_id in asked:
        runner.server.send_to_client(Message("quit", None, client_id))
    deadline = time.monotonic() + bound_s
    while waiting := _still_running(runner, asked):
        if time.monotonic() >= deadline:
            logger.warning("no final report within %.0f s from worker(s) %s", bound_s, ", ".join(waiting))
            return waiting
        gevent.sleep(POLL_S)
    return []


def _still_running(runner: MasterRunner, asked: list[str]) -> list[str]:
    """The workers asked to quit that neither did (Locust removes those) nor went missing."""
    return [c for c in asked if c in runner.clients and runner.clients[c].state != STATE_MISSING]
