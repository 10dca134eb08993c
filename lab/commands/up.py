"""Start a server configuration, the Locust web UI pointed at it and a real Prometheus; Ctrl-C stops it all.

Without Docker, this is the live lab: start and stop runs in the Locust web UI (or its HTTP API, POST
/swarm and /stop), watch them in Prometheus, which scrapes the app and Locust with prometheus/prometheus.yml
and prometheus/rules/. Prometheus keeps its data in --data-dir between launches, so a run on one
configuration and a rerun on another (`lab up OTHER`) can be compared afterwards: every server series
carries `config`. Without a Prometheus binary (`prometheus` on PATH, or $LAB_PROMETHEUS), the app and the
Locust UI still start, and the lab says what is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from lab.commands.common import add_configs_file, fail
from lab.runtime.procs import Child

if TYPE_CHECKING:
    from lab.runtime.launcher import Server
    from lab.runtime.prom import Prometheus
    from lab.shared.configs import ServerConfig

HOST = "127.0.0.1"
DEFAULT_DATA_DIR = Path(".lab") / "prometheus"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="configuration name (see `lab configs`)")
    parser.add_argument("--port", type=int, default=8000, help="port of the app (default: 8000)")
    parser.add_argument(
        "--locust-port", type=int, default=8089, help="port of the Locust web UI (default: 8089)"
    )
    parser.add_argument(
        "--locust-metrics-port", type=int, default=9646, help="port of Locust's /metrics (default: 9646)"
    )
    parser.add_argument(
        "--prometheus-port", type=int, default=9090, help="port of Prometheus (default: 9090)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"Prometheus' directory, kept between launches (default: {DEFAULT_DATA_DIR})",
    )
    add_configs_file(parser)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


class LocustError(RuntimeError):
    """The Locust web UI could not be started; the message says why."""


class LocustUI(Child):
    """Locust with its web UI, every scenario of locustfiles/ on offer (class picker), and its /metrics."""

    def __init__(
        self,
        target: str,
        *,
        web_port: int,
        metrics_port: int,
        lab_config: str,
        locustfile: Path | None = None,
        log: Path | None = None,
        ready_timeout: float = 60.0,
    ) -> None:
        from lab.shared.scenarios import LOCUSTFILES

        super().__init__(log)
        self.what = "the Locust web UI"
        self.target = target
        self.web_port = web_port
        self.metrics_port = metrics_port
        self.lab_config = lab_config
        self.locustfile = locustfile or LOCUSTFILES
        self.ready_timeout = ready_timeout

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "locust", "-f", str(self.locustfile), "--class-picker",
            "--host", self.target, "--web-host", HOST, "--web-port", str(self.web_port),
            "--metrics-port", str(self.metrics_port), "--lab-config", self.lab_config,
        ]  # fmt: skip

    def start(self) -> None:
        import httpx

        self.spawn(self.command())

        def ready() -> bool:
            return (
                httpx.get(self.url, timeout=2).status_code == 200
                and httpx.get(self.metrics_url, timeout=2).status_code == 200
            )

        try:
            self.wait_until(ready, self.ready_timeout, LocustError, self.url)
        except BaseException:
            self.stop()
            raise

    # Locust's own HTTP API, as the web UI uses it.

    def swarm(
        self, users: int, spawn_rate: float, user_classes: Sequence[str], **options: Any
    ) -> dict[str, Any]:
        """POST /swarm: start (or change) a test; `options` are Locust's, e.g. run_time="5s", io_ms=20."""
        import httpx

        form: dict[str, Any] = {
            "user_count": users,
            "spawn_rate": spawn_rate,
            "user_classes": list(user_classes),
            **options,
        }
        response = httpx.post(f"{self.url}/swarm", data=form, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        if not result.get("success"):
            raise LocustError(f"/swarm refused: {result.get('message')}")
        return result

    def stop_test(self) -> None:
        """POST /stop, as the web UI's Stop button."""
        import httpx

        httpx.post(f"{self.url}/stop", timeout=10).raise_for_status()

    def state(self) -> str:
        """ "ready", "spawning", "running", "stopped", ... (from /stats/requests)."""
        import httpx

        return str(httpx.get(f"{self.url}/stats/requests", timeout=10).json()["state"])


def _check_ports(ports: dict[str, int]) -> None:
    from lab.runtime.launcher import LaunchError, check_port

    seen: dict[int, str] = {}
    for flag, port in ports.items():
        if not 0 < port < 65536:
            raise LaunchError(f"{flag} {port}: must be between 1 and 65535")
        if port in seen:
            raise LaunchError(f"{flag} and {seen[port]} are both {port}: each part needs its own port")
        seen[port] = flag
        try:
            check_port(HOST, port)
        except LaunchError:
            raise LaunchError(f"{flag} {port}: the port is busy on {HOST}; choose another") from None


def run(args: argparse.Namespace) -> int:
    from lab.runtime import prom
    from lab.runtime.launcher import LaunchError, Server
    from lab.shared.configs import ConfigError, get, load_catalogue

    try:
        config = get(load_catalogue(args.configs_file), args.config)
        _check_ports(
            {
                "--port": args.port,
                "--locust-port": args.locust_port,
                "--locust-metrics-port": args.locust_metrics_port,
                "--prometheus-port": args.prometheus_port,
            }
        )
    except (ConfigError, LaunchError) as exc:
        return fail(str(exc))

    data_dir: Path = args.data_dir.resolve()
    binary = prom.find_binary()
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    # The parts stop in reverse order when the block ends, however it ends.
    with contextlib.ExitStack() as stack:
        stack.callback(signal.signal, signal.SIGTERM, previous)
        try:
            server = stack.enter_context(Server(config, host=HOST, port=args.port))
            locust = stack.enter_context(
                LocustUI(
                    server.url,
                    web_port=args.locust_port,
                    metrics_port=args.locust_metrics_port,
                    lab_config=config.name,
                )
            )
            prometheus: prom.Prometheus | None = None
            if binary is not None:
                config_file = prom.prepare_config(
                    data_dir / "config",
                    app=[f"{HOST}:{args.port}"],
                    locust=[f"{HOST}:{args.locust_metrics_port}"],
                )
                prometheus = stack.enter_context(
                    prom.Prometheus(
                        config_file,
                        data_dir / "data",
                        port=args.prometheus_port,
                        binary=binary,
                        log=data_dir / "prometheus.log",
                    )
                )
            _print_urls(config, server, locust, prometheus, data_dir)
            return _watch(server, locust, prometheus)
        except (LaunchError, LocustError, prom.PrometheusError) as exc:
            return fail(str(exc))
        except (KeyboardInterrupt, _Stop):
            print("stopping...", file=sys.stderr, flush=True)
            return 0


def _print_urls(
    config: ServerConfig, server: Server, locust: LocustUI, prometheus: Prometheus | None, data_dir: Path
) -> None:
    from lab.runtime.prom import missing_reason

    if prometheus is not None:
        prometheus_line = f"{prometheus.url}  (data: {data_dir}, kept between launches)"
    else:
        prometheus_line = f"not started: {missing_reason()}"
    print(
        f"lab up: {config.name} ({config.server}, {server.workers} worker(s), {config.threadpool} "
        "thread-pool tokens each)\n"
        f"  app         {server.url}  (metrics: {server.url}/metrics, API docs: {server.url}/docs)\n"
        f"  Locust UI   {locust.url}  (pick a scenario and start; or POST /swarm, POST /stop)\n"
        f"  Prometheus  {prometheus_line}\n"
        "Ctrl-C stops all of it.",
        flush=True,
    )
    if prometheus is None:
        warning = f"lab up: warning: {missing_reason()}; the app and Locust run without it"
        print(warning, file=sys.stderr, flush=True)


def _watch(server: Server, locust: LocustUI, prometheus: Prometheus | None) -> int:
    """Until a part dies on its own (1); Ctrl-C and SIGTERM end it by exception."""
    while True:
        parts = {"the server": server.alive(), "Locust": locust.alive()}
        if prometheus is not None:
            parts["Prometheus"] = prometheus.alive()
        dead = [name for name, alive in parts.items() if not alive]
        if dead:
            print(f"lab: error: {' and '.join(dead)} exited on its own; stopping", file=sys.stderr)
            return 1
        server.sweep()
        time.sleep(1)
