"""Think time as Locust's users really spend it: the time between a response and the same user's next request.

Whatever the locustfile's `wait_time` says (`between(0.5, 1.5)`, `constant_pacing(2)`, a method of its
own, none at all), each user's cycle is its response time plus what it does before its next request: the
wait, its task's own code, Locust's bookkeeping. The closed loop's bound N / (R0 + Z) needs that Z (issue
21 §1), measured rather than read off the file.

Locust fires `request` in the user's own greenlet as soon as a response is in, and every request
carries `start_time` (unix seconds, taken when it was sent): so per greenlet, the gap from one request's
event to the next one's `start_time` is a think time. A user's first request has none; a new test starts
every user afresh.

Exported with the lab's other Locust metrics (`lab.loadgen.metrics`) as a summary with base units:

    locust_think_seconds_sum, locust_think_seconds_count   every measured gap, all users, all workers

Several processes: each worker adds its gaps since its last report to the report it sends the master
(key REPORT_KEY); the master adds them up, as it does for the request counts.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner
from prometheus_client.metrics_core import Metric, SummaryMetricFamily

from lab.shared import metric_names

REPORT_KEY = "lab_think"


class Think:
    """This process's think times: per user greenlet, when its last response came in; the gaps' sum."""

    def __init__(self) -> None:
        self._last: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self.sum_s = 0.0  # a worker: since its last report; elsewhere: the total
        self.count = 0

    def reset_users(self) -> None:
        """A new test: no user has had a response yet."""
        self._last = weakref.WeakKeyDictionary()

    def on_request(self, start_time: float | None = None, **_kw: Any) -> None:
        user, now = gevent.getcurrent(), time.time()
        last = self._last.get(user)
        if last is not None and start_time is not None and start_time >= last:
            self.add(start_time - last, 1)
        self._last[user] = now

    def add(self, sum_s: float, count: int) -> None:
        with self._lock:
            self.sum_s += sum_s
            self.count += count

    def drain(self) -> list[float]:
        """[sum, count] since the last call (a worker's part of its report), and start again from zero."""
        with self._lock:
            found = [self.sum_s, float(self.count)]
            self.sum_s, self.count = 0.0, 0
        return found

    def collect(self) -> Iterator[Metric]:
        yield SummaryMetricFamily(
            metric_names.LOCUST_THINK,
            "Time between a response and the same user's next request (its wait_time and task code).",
            count_value=self.count,
            sum_value=self.sum_s,
        )


THINK = Think()


def mean_ms(sum_s: float, count: float) -> float:
    """The mean think time in ms, 0 without any gap measured (issue 21: `think_ms`, 0 without any)."""
    return sum_s / count * 1000 if count > 0 else 0.0


@events.init.add_listener
def _on_init(environment: Environment, **_kwargs: Any) -> None:
    runner = environment.runner
    if runner is None:
        return
    e = environment.events
    if isinstance(runner, MasterRunner):
        e.worker_report.add_listener(
            lambda client_id, data, **_kw: THINK.add(*data.get(REPORT_KEY, [0.0, 0]))
        )
        return
    e.request.add_listener(THINK.on_request)
    e.test_start.add_listener(lambda **_kw: THINK.reset_users())
    if isinstance(runner, WorkerRunner):
        e.report_to_master.add_listener(
            lambda client_id, data, **_kw: data.update({REPORT_KEY: THINK.drain()})
        )
