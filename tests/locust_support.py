"""Running Locust in tests: a bounded run in its own process group, and its outputs parsed.

Locust is never imported here: it monkey-patches the process it is imported in (gevent), which would
change how every other test runs. It always runs as a subprocess: `run_locust(...)`, or `LocustProcess`
to look at its /metrics while it runs, or with `web_port` to drive its web UI.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port

REPO = Path(__file__).resolve().parent.parent
LOCUST = [sys.executable, "-m", "locust"]

Sample = tuple[str, dict[str, str], float]


def parse_metrics(text: str) -> list[Sample]:
    """(name, labels, value) of every sample of a Prometheus text exposition."""
    families = text_string_to_metric_families(text)
    return [(s.name, dict(s.labels), s.value) for family in families for s in family.samples]


def total(samples: Sequence[Sample], metric: str, /, **labels: str) -> float:
    """The sum of `metric` over every sample whose labels include `labels` (`name=` is a label here)."""
    return sum(v for n, lab, v in samples if n == metric and all(lab.get(k) == x for k, x in labels.items()))


@dataclass
class LocustResult:
    returncode: int
    log: str
    stats: list[dict[str, Any]]  # Locust's own statistics (--json-file), one entry per (name, method)
    metrics: list[Sample]  # the exporter's final snapshot (--metrics-snapshot)

    def locust_requests(self, name: str) -> int:
        return sum(int(e["num_requests"]) for e in self.stats if e["name"] == name)

    def locust_failures(self, name: str) -> int:
        return sum(int(e["num_failures"]) for e in self.stats if e["name"] == name)

    def metric(self, metric: str, /, **labels: str) -> float:
        return total(self.metrics, metric, **labels)


class LocustProcess:
    """`with LocustProcess(...) as run: ...; result = run.wait()`: one bounded Locust run.

    It writes Locust's statistics (`stats.json`), the exporter's snapshot (`metrics.prom`) and its log
    under `out_dir`. Headless, `--run-time` ends it; with `web_port`, the web UI waits for a swarm and
    `stop()` ends it. `timeout` kills its whole process group if it does not end.
    """

    def __init__(
        self,
        locustfiles: Sequence[str | Path],
        user_classes: Sequence[str] = (),
        *,
        host: str,
        out_dir: Path,
        users: int | None = 4,  # None: a load shape decides
        run_time: int | None = 3,
        processes: int = 0,
        serve_metrics: bool = False,
        web_port: int | None = None,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> None:
        self.out_dir = out_dir
        self.metrics_port = free_port() if serve_metrics else 0
        self.timeout = timeout
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        command = [
            *LOCUST, "-f", ",".join(str(f) for f in locustfiles), *user_classes, "--host", host,
            "--stop-timeout", "10",  # users finish their request: Locust, exporter and server then agree
            "--json-file", str(out_dir / "stats"),
            "--metrics-snapshot", str(out_dir / "metrics.prom"),
            "--metrics-port", str(self.metrics_port),  # on 127.0.0.1: the plugin's default, as the web UI's
        ]  # fmt: skip
        if web_port is None:
            command.append("--headless")
            if users is not None:
                command += ["-u", str(users), "-r", str(users)]
            if run_time is not None:
                command += ["--run-time", f"{run_time}s"]
        else:
            command += ["--web-port", str(web_port)]
        if processes:
            port = str(free_port())
            command += ["--processes", str(processes), "--master-bind-port", port, "--master-port", port]
        self.command = [*command, *args]

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"

    def __enter__(self) -> LocustProcess:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with (self.out_dir / "locust.log").open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def scrape(self, until: float = 20) -> list[Sample]:
        """The exporter's live /metrics, once it shows running users and requests (fails after `until` s).

        Workers report every 3 s: a distributed run needs a few seconds before the master has numbers.
        """
        deadline = time.monotonic() + until
        while True:
            with contextlib.suppress(httpx.HTTPError):
                samples = parse_metrics(httpx.get(f"{self.metrics_url}/metrics", timeout=5).text)
                if total(samples, "locust_users") > 0 and total(samples, "locust_requests_total") > 0:
                    return samples
            if time.monotonic() > deadline or self.process is None or self.process.poll() is not None:
                raise AssertionError(f"no live metrics at {self.metrics_url}:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> LocustResult:
        """SIGTERM, as a user's Ctrl-C or a supervisor would: Locust shuts down and writes its files."""
        assert self.process is not None
        self.process.terminate()
        return self.wait()

    def wait(self) -> LocustResult:
        assert self.process is not None
        try:
            code = self.process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"locust did not stop within {self.timeout} s:\n{self.log()}") from None
        snapshot = self.out_dir / "metrics.prom"
        stats = self.out_dir / "stats.json"
        return LocustResult(
            returncode=code,
            log=self.log(),
            stats=json.loads(stats.read_text()) if stats.exists() else [],
            metrics=parse_metrics(snapshot.read_text()) if snapshot.exists() else [],
        )

    def log(self) -> str:
        path = self.out_dir / "locust.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole process group (master and workers)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # On the way out the group must be gone, even after a clean exit (workers of --processes).
        self.kill()


def run_locust(*args: Any, **kwargs: Any) -> LocustResult:
    """A whole headless run (see LocustProcess for the arguments)."""
    with LocustProcess(*args, **kwargs) as run:
        return run.wait()


def run_python(code: str, *args: str, timeout: float = 60) -> Any:
    """`python -c code *args` in a fresh interpreter (where Locust may be imported); the JSON it prints."""
    command = [sys.executable, "-c", code, *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


class Growth:
    """How much a server's metrics grow: `g = Growth(url)`, run the load, `g.stop()`, `g.total(name, ...)`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.before = self._scrape()
        self.after: list[Sample] = []

    def _scrape(self) -> list[Sample]:
        return parse_metrics(httpx.get(f"{self.url}/metrics", timeout=10).text)

    def stop(self) -> None:
        self.after = self._scrape()

    def total(self, metric: str, /, **labels: str) -> float:
        return total(self.after, metric, **labels) - total(self.before, metric, **labels)


def web_ui_args(url: str) -> dict[str, Any]:
    """The template arguments Locust's web UI at `url` renders into its page (`window.templateArgs`)."""
    page = httpx.get(url, timeout=10).text
    match = re.search(r"window\.templateArgs = (\{.*\})\s*$", page, re.MULTILINE)
    assert match, page[:500]
    args: dict[str, Any] = json.loads(match.group(1))
    return args


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Until `url` answers 200 (fails if `process` exits first or after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        assert process.poll() is None, f"exited with {process.returncode} before {url} answered"
        assert time.monotonic() < deadline, f"{url} did not answer within {timeout} s"
        time.sleep(0.2)


def listening(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket the process `pid` and its descendants listen on."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return {
        (c.laddr.ip, c.laddr.port)
        for p in processes
        for c in p.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN
    }
