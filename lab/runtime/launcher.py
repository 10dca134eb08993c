"""Start one server configuration as a real process tree, wait until every worker answers, stop it all.

The server is a `lab.runtime.procs.Child`: its own session (Ctrl-C reaches only the launcher, which then
stops the whole tree), SIGTERM from the kernel if the launcher itself dies, so no crash of ours leaves a
server behind. Each launch gets a fresh Prometheus multiprocess directory, removed at exit.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from lab.runtime.procs import Child
from lab.shared import http_client, metric_names
from lab.shared.configs import ServerConfig
from lab.shared.cores import can_pin, usable_cpus
from lab.shared.multiproc import mark_dead_workers
from lab.shared.target import AppTarget

# Every server loads the lab's wrapper, which loads the app under test (LAB_APP*, see lab.shared.target).
APP_FACTORY = "lab.server.wrap:create_app"


class LaunchError(RuntimeError):
    """The server could not be started (or died); the message says why and what to do."""


def _uvicorn(cfg: ServerConfig, host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY,
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--loop", cfg.loop, "--http", cfg.http,
        "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip


def _gunicorn(cfg: ServerConfig, host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", f"{APP_FACTORY}()",
        "--config", "python:lab.server.gunicorn_conf",
        "--worker-class", "lab.server.gunicorn_worker.LabUvicornWorker",
        "--workers", str(workers), "--bind", f"{host}:{port}", "--log-level", "warning",
    ]  # fmt: skip


def _granian(cfg: ServerConfig, host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory", APP_FACTORY,
        "--host", host, "--port", str(port), "--workers", str(workers), "--loop", cfg.loop,
        "--no-access-log", "--log-level", "warning", "--respawn-failed-workers",
        "--workers-kill-timeout", "5",
    ]  # fmt: skip


# server name -> how to start it, and the Python modules it needs.
COMMANDS: dict[str, Callable[[ServerConfig, str, int, int], list[str]]] = {
    "uvicorn": _uvicorn,
    "gunicorn": _gunicorn,
    "granian": _granian,
}
REQUIRED_MODULES: dict[str, tuple[str, ...]] = {
    "uvicorn": ("uvicorn",),
    "gunicorn": ("gunicorn", "uvicorn_worker"),
    "granian": ("granian",),
}


def parse_cpus(text: str | None) -> list[int] | None:
    """'0', '0,1' or '0-1' -> [0, 1]; checked against the cores this process may use."""
    if not text:
        return None
    cpus: set[int] = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            cpus.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise LaunchError(f"--cpus {text!r}: expected a list like 0 or 0,1 or 0-1") from None
    if not can_pin():
        raise LaunchError(f"--cpus {text!r}: this platform cannot pin processes to cores")
    usable = set(usable_cpus())
    if not cpus or not cpus <= usable:
        raise LaunchError(f"--cpus {text!r}: usable cores here are {sorted(usable)}")
    return sorted(cpus)


def check_port(host: str, port: int) -> None:
    """Refuse a port something already listens on, before anything is spawned."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: connections of a previous run in TIME_WAIT do not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise LaunchError(
                f"port {port} on {host} is busy ({exc.strerror}); choose another with --port"
            ) from None


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def check_installed(cfg: ServerConfig) -> None:
    if cfg.server not in REQUIRED_MODULES:
        raise LaunchError(
            f"configuration {cfg.name!r} is a running service ({cfg.server}): the lab does not start it; "
            "measure it with lab run --host URL"
        )
    needed = list(REQUIRED_MODULES[cfg.server])
    if cfg.loop == "uvloop":
        needed.append("uvloop")
    if cfg.http == "httptools":
        needed.append("httptools")
    missing = [m for m in needed if not _importable(m)]
    if missing:
        raise LaunchError(
            f"configuration {cfg.name!r} needs {', '.join(missing)}, which is not installed; "
            f"run: pip install -c constraints.txt {' '.join(missing)}"
        )


class Server(Child):
    """One launch of one configuration: `with Server(cfg, port=8000) as server: ...`."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        cpus: Sequence[int] | None = None,
        log: Path | None = None,
        ready_timeout: float = 90.0,
        extra_env: dict[str, str] | None = None,
        target: AppTarget | None = None,
    ) -> None:
        super().__init__(log)
        self.config = config
        self.host = host
        self.port = port
        self.cpus = list(cpus) if cpus else None
        self.workers = config.resolved_workers(self.cpus)
        self.ready_timeout = ready_timeout
        self.extra_env = extra_env or {}
        self.metrics_dir: str | None = None
        self.ready = False  # every worker answered once since the launch
        # --app wins over the configuration's `app`; either is resolved against the current directory.
        self.target = (target or config.target()).resolved()
        self.what = f"{config.server} for {config.name!r}"

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def metrics_url(self) -> str:
        return self.url + self.target.metrics_path

    def command(self) -> list[str]:
        return COMMANDS[self.config.server](self.config, self.host, self.port, self.workers)

    def environment(self) -> dict[str, str]:
        assert self.metrics_dir is not None
        return {
            **os.environ,
            **self.config.to_env(self.target, self.workers),
            "LAB_UPSTREAM_URL": self.url,
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            "PROMETHEUS_DISABLE_CREATED_SERIES": "True",
            **self.extra_env,
        }

    def start(self) -> None:
        """Launch the server and wait until it is ready."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Spawn the server, not waiting for it: `wait_ready()` does (meanwhile a caller may start Locust)."""
        check_installed(self.config)
        check_port(self.host, self.port)
        # prometheus_client globs this directory: an overridden name's brackets would be a pattern there.
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.config.name)
        self.metrics_dir = tempfile.mkdtemp(prefix=f"lab-metrics-{safe}-")
        self.ready = False
        self.spawn(self.command(), env=self.environment(), cpus=self.cpus)

    def live_worker_pids(self) -> set[str]:
        """pids of the workers whose lab_server_info is exported (each sets it once started)."""
        response = http_client.get(self.metrics_url, timeout=5)
        response.raise_for_status()
        return {
            sample.labels.get("pid", "single")
            for family in text_string_to_metric_families(response.text)
            if family.name == metric_names.SERVER_INFO
            for sample in family.samples
        }

    def wait_ready(self) -> None:
        """Until every worker has finished the app's startup (at once when it has already); LaunchError,
        the server stopped, if it dies or times out first.

        A worker exports `lab_server_info` once the app's lifespan startup has completed (lab.server.wrap),
        so counting them needs nothing of the app: no health route, no knowledge of its endpoints."""
        if self.ready:
            return

        def ready() -> bool:
            return len(self.live_worker_pids()) >= self.workers

        try:
            self.wait_until(ready, self.ready_timeout, LaunchError, self.url)
        except BaseException:
            self.stop()
            raise
        self.ready = True

    def pids(self) -> list[int]:
        """The server's whole process tree: main process, workers, process pools."""
        return self.tree()

    def sweep(self) -> list[int]:
        """Mark dead workers in the metrics directory (uvicorn and granian have no exit hook)."""
        return mark_dead_workers(self.metrics_dir) if self.metrics_dir else []

    def stop(self, grace: float = 10.0) -> None:
        """The whole tree (see lab.runtime.procs.Child.stop), then the metrics directory."""
        super().stop(grace)
        self.ready = False
        if self.metrics_dir is not None:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            self.metrics_dir = None
