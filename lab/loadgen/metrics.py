"""The load generator's own metrics for Prometheus: a Locust plugin, loaded by `import lab.loadgen.metrics`.

Served on `--metrics-port` (env LAB_LOCUST_METRICS_PORT, default 9646, 0 = not served) at `/metrics`, on
`--metrics-host` (env LAB_LOCUST_METRICS_HOST, default 127.0.0.1; `*` for every interface). The plugin
also makes 127.0.0.1 the default of Locust's own `--web-host` (Locust's default is every interface):
a load generator is not a service for the network unless asked (docker-compose asks):

    locust_request_duration_seconds{name,method}    histogram; the server's buckets (lab.shared.buckets)
    locust_requests_total{name,method}              counter; every request, failures included
    locust_request_failures_total{name,method}      counter
    locust_requests_abandoned_total{name,method}    counter; in flight when their user was stopped, so
                                                    never reported by Locust (lab.loadgen.abandoned)
    locust_users                                    gauge; users running now, over all workers
    locust_run_info{run_id,scenario,config}         gauge = 1
    locust_test_start_time_seconds                  gauge; unix time the last test started
    locust_test_stop_time_seconds                   gauge; unix time the last test stopped
    locust_process_cpu_seconds_total{process,role}  counter; CPU (user+system) of each Locust process,
                                                    process = "host:pid", role = local | master | worker
    locust_cpu_saturated                            gauge; 1 once a Locust process used more than 90% of
                                                    one core over a sample (>= 1 s) since the test started
    locust_think_seconds                            summary (sum, count): a response to the same user's
                                                    next request, whatever its wait_time (lab.loadgen.think)
    locust_worker_lost{worker}                      gauge (master, once a test stopped): unix time of the
                                                    last report of a worker whose final report never came
                                                    (it died or lost the master): the counts miss its last
                                                    seconds; worker = "host:pid" (its client id until it
                                                    reported)

`name` is Locust's request name (the lab's users use the route template, as the server's `handler`
label); `scenario` is the scenario name of `lab.shared.scenarios` of the running user classes, joined by "+";
`config` is `--lab-config` (LAB_CONFIG); when it is empty (the default), the `config` the server under
test names at `{host}/health`, read when a test starts ("default" if it does not answer within 2 s).
`run_id` is `--run-id` (LAB_RUN_ID; generated if not given).
Histograms, never percentile gauges: percentiles do not aggregate, bucket counts do.

Several processes (`--processes N`, or `--master` and `--worker`s on several machines): the master
aggregates. Each worker counts its requests into histogram deltas and attaches them, with a reading of
its own CPU, to the statistics report it sends the master every 3 s (`report_to_master`); the master adds
them up (`worker_report`) and alone serves `/metrics`: one scrape target, no port per worker, and the
same message carries Locust's own statistics, so the two agree. Workers never bind the port.

Counters are cumulative over the life of the Locust process: a new test from the web UI (or "Reset
stats") does not reset them, as Prometheus' `rate()` and `increase()` expect.

`--metrics-snapshot PATH` (env LAB_LOCUST_METRICS_SNAPSHOT) writes the final exposition to PATH when
Locust exits (after the workers' last reports, next to `--json-file`): a headless run's numbers without
scraping, e.g. for `lab compare`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import gevent
import httpx
import psutil
from gevent.pywsgi import WSGIServer
from locust import events
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import MasterRunner, Runner, WorkerRunner
from prometheus_client import CollectorRegistry, generate_latest, make_wsgi_app
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from lab.loadgen import abandoned, final_reports, think
from lab.loadgen.series import Cpu, Requests
from lab.shared import metric_names
from lab.shared.scenarios import scenario_of

DEFAULT_PORT = 9646
LOOPBACK = "127.0.0.1"
HEALTH_TIMEOUT_S = 2.0  # reading the server's configuration name must never hold a test up for long
REPORT_KEY = "lab_metrics"  # this plugin's entry in a worker's report to the master
CPU_SAMPLE_INTERVAL_S = 3.0  # the master and a local runner; a worker samples with each report (every 3 s)

Role = Literal["local", "master", "worker"]

logger = logging.getLogger(__name__)


@events.init_command_line_parser.add_listener
def _add_arguments(parser: LocustArgumentParser, **_kwargs: Any) -> None:
    parser.set_defaults(web_host=LOOPBACK)  # Locust's own default is every interface
    parser.add_argument(
        "--lab-config", default="", env_var="LAB_CONFIG",
        help="Name of the server configuration under test (the `config` label of "
        f"{metric_names.LOCUST_RUN_INFO}); empty: the one the server names at /health when a test starts.",
    )  # fmt: skip
    parser.add_argument(
        "--run-id", default=time.strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6], env_var="LAB_RUN_ID",
        help=f"Identifies this run in {metric_names.LOCUST_RUN_INFO} (default: generated).",
    )  # fmt: skip
    parser.add_argument(
        "--metrics-port", type=int, default=DEFAULT_PORT, env_var="LAB_LOCUST_METRICS_PORT",
        include_in_web_ui=False, help="Port of the Prometheus /metrics of this Locust (0: not served).",
    )  # fmt: skip
    parser.add_argument(
        "--metrics-host", default=LOOPBACK, env_var="LAB_LOCUST_METRICS_HOST", include_in_web_ui=False,
        help=f"Interface of the Prometheus /metrics (default: {LOOPBACK}; '*' for every interface).",
    )  # fmt: skip
    parser.add_argument(
        "--metrics-snapshot", default="", env_var="LAB_LOCUST_METRICS_SNAPSHOT", include_in_web_ui=False,
        help="Write the final /metrics exposition to this file when Locust exits.",
    )  # fmt: skip


def _role(runner: Runner | None) -> Role:
    if isinstance(runner, WorkerRunner):
        return "worker"
    return "master" if isinstance(runner, MasterRunner) else "local"


def server_config(host: str | None) -> str | None:
    """The configuration the server at `host` names at /health; None if it does not answer in time."""
    if not host:
        return None
    try:
        body = httpx.get(f"{host.rstrip('/')}/health", timeout=HEALTH_TIMEOUT_S).json()
    except (httpx.HTTPError, ValueError):
        return None
    config = body.get("config") if isinstance(body, dict) else None
    return config if isinstance(config, str) and config else None


def _own_cpu() -> tuple[float, float]:
    """(CPU seconds of this process, monotonic time)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system, time.monotonic()


class Exporter:
    """This Locust process's part: count (local, worker), add up (master), serve and snapshot (not worker)."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.role: Role = _role(environment.runner)
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        # In a worker: what was counted since the last report. Elsewhere: the totals.
        self.requests = Requests()
        self.cpu = Cpu()
        self.start_time: float | None = None
        self.stop_time: float | None = None
        self.server_config: str | None = None  # read from the server when --lab-config is empty
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)
        self.server: WSGIServer | None = None
        self.workers: dict[str, tuple[str, float]] = {}  # master: client id -> (process, last report time)

        e = environment.events
        if self.role != "master":
            e.request.add_listener(self.on_request)
            abandoned.add_listener(self.requests.abandon)
        if self.role == "worker":
            e.report_to_master.add_listener(self.on_report_to_master)
            final_reports.orphan_after(environment.runner)
            return
        if self.role == "master":
            e.worker_report.add_listener(self.on_worker_report)
            e.worker_connect.add_listener(self.on_worker_connect)
            final_reports.wait_at_quit(environment.runner)
        e.test_start.add_listener(self.on_test_start)
        e.test_stop.add_listener(self.on_test_stop)
        e.quit.add_listener(self.on_quit)
        gevent.spawn(self._sample_cpu_forever)

    def on_request(
        self, request_type: str, name: str, response_time: float, exception: BaseException | None, **_kw: Any
    ) -> None:
        self.requests.observe(name, request_type, response_time / 1000, exception is not None)

    def on_report_to_master(self, client_id: str, data: dict[str, Any]) -> None:
        seconds, at = _own_cpu()
        data[REPORT_KEY] = {"process": self.process, "cpu": [seconds, at], "requests": self.requests.drain()}

    def on_worker_connect(self, client_id: str, **_kw: Any) -> None:
        self.workers.setdefault(client_id, (client_id, time.time()))

    def on_worker_report(self, client_id: str, data: dict[str, Any]) -> None:
        report = data.get(REPORT_KEY)
        if report is None:  # a worker without this plugin
            return
        self.workers[client_id] = (report["process"], time.time())
        self.requests.merge(report["requests"])
        self.cpu.update(report["process"], "worker", *report["cpu"])

    def lost_workers(self) -> dict[str, float]:
        """Workers whose final report never came: process -> unix time of its last report.

        Every live worker reports once more after the stop (the master's quit waits for it: final_reports);
        one that died, or lost the master, did not, and what it counted since its last report is missing."""
        if self.role != "master" or self.stop_time is None:
            return {}
        return {process: at for process, at in self.workers.values() if at < self.stop_time}

    def on_test_start(self, **_kw: Any) -> None:
        self.start_time = time.time()
        self.cpu.saturated = False
        self.server_config = None if self.options("lab_config", "") else server_config(self.environment.host)

    def on_test_stop(self, **_kw: Any) -> None:
        # The test's first stop: a master still spawning at the stop fires it again once its workers quit.
        if self.stop_time is None or self.stop_time < (self.start_time or 0.0):
            self.stop_time = time.time()

    def on_quit(self, **_kw: Any) -> None:
        path = self.options("metrics_snapshot", "")
        if path:
            self.sample_cpu()
            self.write(Path(path))

    def _sample_cpu_forever(self) -> None:
        while True:
            self.sample_cpu()
            gevent.sleep(CPU_SAMPLE_INTERVAL_S)

    def sample_cpu(self) -> None:
        self.cpu.update(self.process, self.role, *_own_cpu())

    def options(self, name: str, default: Any) -> Any:
        """A Locust option (the web UI may change custom ones between tests)."""
        return getattr(self.environment.parsed_options, name, default)

    def lab_config(self) -> str:
        return str(self.options("lab_config", "")) or self.server_config or "default"

    def scenario(self) -> str:
        names = []
        for user_class in self.environment.user_classes:
            s = scenario_of(user_class.__name__)
            names.append(s.name if s else user_class.__name__)
        return "+".join(names)

    def collect(self) -> Iterator[Metric]:
        yield from self.requests.collect()
        yield from think.THINK.collect()  # locust_think_seconds (lab.loadgen.think, issue 21)
        runner = self.environment.runner
        users = runner.user_count if runner else 0
        yield GaugeMetricFamily(
            metric_names.LOCUST_USERS, "Users running now, over all workers.", value=users
        )
        info = GaugeMetricFamily(
            metric_names.LOCUST_RUN_INFO,
            "The run this Locust serves (1).",
            labels=["run_id", "scenario", "config"],
        )
        info.add_metric([str(self.options("run_id", "")), self.scenario(), self.lab_config()], 1)
        yield info
        if self.start_time is not None:
            yield GaugeMetricFamily(
                metric_names.LOCUST_TEST_START, "Unix time the last test started.", value=self.start_time
            )
        if self.stop_time is not None:
            yield GaugeMetricFamily(
                metric_names.LOCUST_TEST_STOP, "Unix time the last test stopped.", value=self.stop_time
            )
        yield from self.cpu.collect()
        lost = GaugeMetricFamily(
            metric_names.LOCUST_WORKER_LOST,
            "Unix time of the last report of a worker whose final report never came.",
            labels=["worker"],
        )
        for process, at in sorted(self.lost_workers().items()):
            lost.add_metric([process], at)
        yield lost

    def serve(self, host: str, port: int) -> None:
        """Serve /metrics; binds now, so that a busy port stops Locust at start, not a later scrape."""
        host = "" if host == "*" else host  # as Locust's --web-host: every interface
        self.server = WSGIServer((host, port), make_wsgi_app(self.registry), log=None)
        try:
            self.server.start()
        except OSError as exc:
            raise OSError(
                f"--metrics-port {port}: {exc.strerror}; choose another port, or 0 to serve no metrics"
            ) from exc
        logger.info("Prometheus metrics on http://%s:%d/metrics", host or "0.0.0.0", port)

    def write(self, path: Path) -> None:
        """The exposition text, atomically: a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(generate_latest(self.registry))
        tmp.replace(path)


@events.init.add_listener
def _on_init(environment: Environment, **_kwargs: Any) -> None:
    if environment.runner is None:
        return
    exporter = Exporter(environment)
    port = int(exporter.options("metrics_port", DEFAULT_PORT))
    if exporter.role != "worker" and port:  # in distributed mode the master alone serves
        exporter.serve(exporter.options("metrics_host", LOOPBACK), port)
