"""A real Prometheus for the lab: find the binary, run it with the lab's scrape and rule files, query it.

`lab up` and the tests start Prometheus through `Prometheus` (any part of the lab can): on 127.0.0.1,
in its own process group (Ctrl-C reaches only the lab, which stops it), told by the kernel to exit if
the lab dies. Its configuration is a copy of prometheus/ (prometheus.yml and rules/) with target files
written for the ports of this launch, so the files in the repository are the ones that run.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, TypedDict

import httpx

from lab.runtime.launcher import LaunchError, check_port
from lab.runtime.procs import Child
from lab.shared import http_client

PROMETHEUS_ENV = "LAB_PROMETHEUS"
# prometheus.yml and rules/: lab/prometheus links to the repository's prometheus/ and is shipped as package
# data, so a non-editable install has them too (issue 10).
CONFIG_SOURCE = (Path(__file__).resolve().parents[1] / "prometheus").resolve()
# Job name in prometheus.yml -> its file_sd file.
TARGET_FILES = {"app": "targets/app.json", "locust": "targets/locust.json"}
LOCK_FILE = "lab.lock"  # in a data directory: held by the lab process whose Prometheus writes there


class PromSeries(TypedDict, total=False):
    """One series of a query's result, as Prometheus' HTTP API gives it."""

    metric: dict[str, str]  # its labels, __name__ included
    value: list[float | str]  # an instant query's [unix time, "value"]
    values: list[list[float | str]]  # a range query's [[unix time, "value"], ...]


class PromTarget(TypedDict, total=False):
    """One scrape target of /api/v1/targets (the keys the lab reads)."""

    labels: dict[str, str]
    scrapeUrl: str
    health: str  # "up", "down" or "unknown"
    lastError: str


class PrometheusError(RuntimeError):
    """Prometheus is missing, could not start, or a query failed; the message says why."""


def find_binary() -> str | None:
    """`$LAB_PROMETHEUS` when set (None if it is not an executable), else `prometheus` on PATH."""
    explicit = os.environ.get(PROMETHEUS_ENV)
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    return shutil.which("prometheus")


def missing_reason() -> str:
    """What is missing and how to get it, for when find_binary() returned None."""
    explicit = os.environ.get(PROMETHEUS_ENV)
    where = (
        f"{PROMETHEUS_ENV}={explicit} is not an executable file" if explicit else "no `prometheus` on PATH"
    )
    return (
        f"Prometheus not found ({where}); install it (Debian: apt-get install prometheus) "
        f"or set {PROMETHEUS_ENV} to the binary"
    )


def lock_data_dir(data_dir: Path) -> IO[bytes] | None:
    """Hold `data_dir` (an flock on its lab.lock) until the returned file is closed or this process
    ends; None when another process holds it. Child processes do not inherit it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / LOCK_FILE).open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def write_targets(config_dir: Path, job: str, targets: Sequence[str]) -> None:
    """Point `job` of the copied prometheus.yml at `targets`; Prometheus re-reads it live.

    A target is "host:port", scraped at the job's path (/metrics), or "host:port/path" for an app whose
    metrics the lab serves elsewhere (`--metrics-path`): file_sd carries the path as the target group's
    `__metrics_path__` label, which Prometheus scrapes instead of the job's."""
    groups: dict[str, list[str]] = {}
    for target in targets:
        hostport, slash, path = target.partition("/")
        groups.setdefault(slash + path, []).append(hostport)
    content = [
        {"targets": hostports, **({"labels": {"__metrics_path__": path}} if path else {})}
        for path, hostports in groups.items()
    ]
    file = config_dir / TARGET_FILES[job]
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(content or [{"targets": []}]) + "\n")
    tmp.replace(file)  # atomic: Prometheus never reads half a file


def prepare_config(
    config_dir: Path,
    *,
    app: Sequence[str],
    locust: Sequence[str] = (),
    source: Path = CONFIG_SOURCE,
) -> Path:
    """Copy prometheus.yml and rules/ from `source` into `config_dir`, write its targets ("host:port", or
    "host:port/path" for a metrics path other than /metrics); the config file."""
    if not (source / "prometheus.yml").is_file():
        raise PrometheusError(f"{source}/prometheus.yml not found: reinstall the lab from its repository")
    config_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "prometheus.yml", config_dir / "prometheus.yml")
    shutil.rmtree(config_dir / "rules", ignore_errors=True)
    shutil.copytree(source / "rules", config_dir / "rules")
    write_targets(config_dir, "app", app)
    write_targets(config_dir, "locust", locust)
    return config_dir / "prometheus.yml"


class Prometheus(Child):
    """One Prometheus process: `with Prometheus(config_file, data_dir, port=9090) as p: p.query("up")`."""

    def __init__(
        self,
        config_file: Path,
        data_dir: Path,
        *,
        port: int = 9090,
        host: str = "127.0.0.1",
        binary: str | None = None,
        retention: str = "30d",
        log: Path | None = None,
        ready_timeout: float = 60.0,
    ) -> None:
        super().__init__(log)
        self.config_file = config_file
        self.data_dir = data_dir
        self.host = host
        self.port = port
        self.binary = binary
        self.retention = retention
        self.ready_timeout = ready_timeout

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self, binary: str) -> list[str]:
        return [
            binary,
            f"--config.file={self.config_file}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--storage.tsdb.retention.time={self.retention}",
            f"--web.listen-address={self.host}:{self.port}",
            "--log.level=warn",
        ]

    def start(self) -> None:
        binary = self.binary or find_binary()
        if binary is None:
            raise PrometheusError(missing_reason())
        try:
            check_port(self.host, self.port)
        except LaunchError:
            raise PrometheusError(
                f"port {self.port} on {self.host} is busy; choose another for Prometheus"
            ) from None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.spawn(self.command(binary))
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self) -> None:
        def ready() -> bool:
            return http_client.get(f"{self.url}/-/ready", timeout=2).status_code == 200

        self.wait_until(ready, self.ready_timeout, PrometheusError, self.url)

    # --- HTTP API -------------------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, str]) -> Any:
        try:
            response = http_client.get(f"{self.url}{path}", params=params, timeout=10)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PrometheusError(f"{path}: {exc}") from exc
        if response.status_code != 200 or body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: HTTP {response.status_code}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[PromSeries]:
        """Instant query: the result list (`metric`, `value`), [] when no series matches."""
        params = {"query": expr}
        if at is not None:
            params["time"] = str(at)
        data = self._get("/api/v1/query", params)
        if data["resultType"] in ("vector", "matrix"):
            return list(data["result"])
        return [PromSeries(metric={}, value=data["result"])]  # a scalar or a string

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[PromSeries]:
        """Range query: the result list (`metric`, `values`), [] when no series matches."""
        params = {"query": expr, "start": str(start), "end": str(end), "step": str(step)}
        return list(self._get("/api/v1/query_range", params)["result"])

    def label_values(
        self, label: str, match: str | None = None, start: float | None = None, end: float | None = None
    ) -> list[str]:
        """Values of `label` (on series matching `match`, between `start` and `end`), as Grafana's
        `label_values(match, label)` asks for them."""
        params = {"match[]": match} if match else {}
        if start is not None:
            params["start"] = str(start)
        if end is not None:
            params["end"] = str(end)
        return [str(v) for v in self._get(f"/api/v1/label/{label}/values", params)]

    def targets(self) -> list[PromTarget]:
        """The active scrape targets, with `labels`, `health` ("up", "down", "unknown") and `lastError`."""
        return list(self._get("/api/v1/targets", {"state": "active"})["activeTargets"])

    def wait_for(self, expr: str, timeout: float = 30.0) -> list[PromSeries]:
        """Query `expr` until it returns a series; PrometheusError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if result:
                return result
            if time.monotonic() > deadline:
                raise PrometheusError(f"no data for {expr!r} after {timeout:.0f} s")
            time.sleep(0.5)
