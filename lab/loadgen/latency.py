"""Exact client latency: an HDR histogram per request name on every Locust process (issue 25).

Locust rounds response times to two significant digits above 100 ms (a 123 ms wait is counted as 120 ms);
this plugin, loaded by `import lab.loadgen.latency` (lab_plugin does), records every request of every
Locust process in HDR histograms (the `hdrhistogram` package: 3 significant digits, 1 microsecond to
1 hour) per (name, method), two of them:

- `send`: from when the request went out. A closed loop's is Locust's own response time; an open-model
  request's starts when it got one of its user's connections (the time on the wire, as a load generator
  that does not correct for coordinated omission would report it).
- `schedule` (open-model requests only: the lab's users put their due time in the request's context,
  `DUE`): from when the schedule wanted the request sent, whatever held it back: a late send, a wait for
  a connection. This is the latency a client arriving on time sees, the corrected one.

Workers send what they recorded since their last report with it to the master (`report_to_master`), which
adds it up (`worker_report`), as lab.loadgen.metrics does with its counts. When Locust quits (after the
workers' last reports) the master, or a lone Locust, writes `PREFIX_latency.json` with `--csv PREFIX`:
`[{"name", "method", "send", "schedule"}]`, each histogram in HdrHistogram's base64 encoding (null where
none was recorded); lab.runtime.latency reads it. Locust's own statistics are untouched, for its UI.
"""

from __future__ import annotations

import json
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import gevent
from geventhttpclient.connectionpool import ConnectionPool
from hdrh.histogram import HdrHistogram
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from lab.shared.latency import Row, encoded, histogram, microseconds

DUE = "lab_due"  # a request's context key: time.monotonic() at which the open model scheduled it

# The greenlet of a request -> time.monotonic() when it got its connection (first attempt).
_on_wire: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def _wrap_pool() -> None:
    original = ConnectionPool.get_socket
    if getattr(original, "_lab_latency", False):
        return

    def get_socket(self: ConnectionPool) -> Any:
        sock = original(self)
        _on_wire.setdefault(gevent.getcurrent(), time.monotonic())
        return sock

    get_socket._lab_latency = True  # type: ignore[attr-defined]
    ConnectionPool.get_socket = get_socket  # type: ignore[method-assign]


_wrap_pool()


class Report(TypedDict, total=False):
    """This plugin's entry in a worker's report to the master (Locust's message holds Locust's own too)."""

    lab_latency: list[Row]


@dataclass
class Series:
    send: HdrHistogram = field(default_factory=histogram)
    schedule: HdrHistogram | None = None  # only open-model requests have one


class Recorder:
    """This process's histograms per (name, method); a worker drains them into each report."""

    def __init__(self) -> None:
        self.series: dict[tuple[str, str], Series] = {}

    def observe(
        self, name: str, method: str, response_ms: float, due: float | None, on_wire: float | None
    ) -> None:
        series = self.series.setdefault((name, method), Series())
        if due is None:  # a closed loop: Locust's own response time
            series.send.record_value(microseconds(response_ms / 1000))
            return
        now = time.monotonic()
        sent = now - on_wire if on_wire is not None else response_ms / 1000
        series.send.record_value(microseconds(min(sent, response_ms / 1000)))
        if series.schedule is None:
            series.schedule = histogram()
        series.schedule.record_value(microseconds(max(now - due, sent)))

    def rows(self) -> list[Row]:
        return [
            Row(name=name, method=method, send=encoded(s.send), schedule=encoded(s.schedule))
            for (name, method), s in sorted(self.series.items())
        ]

    def drain(self) -> list[Row]:
        rows, self.series = self.rows(), {}
        return rows

    def merge(self, rows: list[Row]) -> None:
        for row in rows:
            series = self.series.setdefault((row["name"], row["method"]), Series())
            if row["send"]:
                series.send.decode_and_add(row["send"])
            if row["schedule"]:
                if series.schedule is None:
                    series.schedule = histogram()
                series.schedule.decode_and_add(row["schedule"])


class Plugin:
    """Records (every process but a master), reports (worker), adds up (master), writes (not a worker)."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.recorder = Recorder()
        runner, e = environment.runner, environment.events
        if not isinstance(runner, MasterRunner):
            e.request.add_listener(self.on_request)
        if isinstance(runner, WorkerRunner):
            e.report_to_master.add_listener(self.on_report_to_master)
            return
        if isinstance(runner, MasterRunner):
            e.worker_report.add_listener(self.on_worker_report)
        e.quit.add_listener(self.on_quit)

    def on_request(
        self, request_type: str, name: str, response_time: float, context: Any = None, **_kw: Any
    ) -> None:
        on_wire = _on_wire.pop(gevent.getcurrent(), None)
        due = (context or {}).get(DUE)
        self.recorder.observe(name, request_type, response_time, due, on_wire)

    def on_report_to_master(self, client_id: str, data: Report) -> None:
        data["lab_latency"] = self.recorder.drain()

    def on_worker_report(self, client_id: str, data: Report) -> None:
        self.recorder.merge(data.get("lab_latency") or [])

    def on_quit(self, **_kw: Any) -> None:
        prefix = getattr(self.environment.parsed_options, "csv_prefix", None)
        if prefix:
            Path(f"{prefix}_latency.json").write_text(json.dumps(self.recorder.rows()))


@events.init.add_listener
def _on_init(environment: Environment, **_kw: Any) -> None:
    if environment.runner is not None:
        Plugin(environment)
