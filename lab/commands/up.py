"""Start a server configuration, the Locust web UI pointed at it and a real Prometheus; Ctrl-C stops it all.

Without Docker, this is the live lab: start and stop runs in the Locust web UI (or its HTTP API, POST
/swarm and /stop), watch them in Prometheus, which scrapes the app and Locust with prometheus/prometheus.yml
and prometheus/rules/. Prometheus keeps its data in --data-dir between launches, so a run on one
configuration and a rerun on another (`lab up OTHER`) can be compared afterwards: every server series
carries `config`. Without a Prometheus binary (`prometheus` on PATH, or $LAB_PROMETHEUS), the app and the
Locust UI still start, and the lab says what is missing.

Several `lab up` at once each own their parts: a port flag left unset takes its default when it is free,
else a free port (printed); a port set and busy is refused (exit 2, naming the flag). Each Prometheus
runs its own copy of the configuration (a temporary directory, removed at exit), so it scrapes its own
instance only, and holds its data directory: an unset --data-dir that another `lab up` holds becomes
.lab/prometheus-2 (-3, ...); a --data-dir set and held is refused.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

from lab.commands.common import add_configs_file, fail
from lab.commands.up_resources import DEFAULT_DATA_DIR, HOST, PORTS, claim_data_dir, resolve_ports
from lab.runtime.procs import Child

if TYPE_CHECKING:
    from lab.runtime.launcher import Server
    from lab.runtime.prom import Prometheus
    from lab.shared.configs import ServerConfig

# The class the web UI's picker starts with ticked: cheap, and harmless to the server (never the loop
# blocker IoBlockingUser, which every test would otherwise include: Locust ticks every class).
DEFAULT_USER_CLASS = "IoAsyncUser"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="configuration name (see `lab configs`)")
    for flag, (default, what) in PORTS.items():
        parser.add_argument(
            flag, type=int, default=None, metavar="PORT",
            help=f"port of {what} (default: {default}, or a free port if {default} is busy)",
        )  # fmt: skip
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"Prometheus' directory, kept between launches (default: {DEFAULT_DATA_DIR}, or "
        f"{DEFAULT_DATA_DIR}-2, -3, ... while another `lab up` holds it)",
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
        user_classes: Sequence[str] = (DEFAULT_USER_CLASS,),
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
        self.user_classes = list(user_classes)  # ticked in the picker at start; any can be chosen
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
            "--metrics-host", HOST, "--metrics-port", str(self.metrics_port), "--lab-config", self.lab_config,
            *self.user_classes,
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


def run(args: argparse.Namespace) -> int:
    from lab.runtime import prom
    from lab.runtime.launcher import LaunchError, Server
    from lab.shared.configs import ConfigError, get, load_catalogue

    lock: IO[bytes] | None = None
    try:
        config = get(load_catalogue(args.configs_file), args.config)
        given = {flag: getattr(args, flag[2:].replace("-", "_")) for flag in PORTS}
        ports, notes = resolve_ports(given)
        binary = prom.find_binary()
        data_dir: Path | None = None
        if binary is not None:
            data_dir, lock, note = claim_data_dir(args.data_dir)
            notes += [note] if note else []
    except (ConfigError, LaunchError) as exc:
        return fail(str(exc))

    previous = signal.signal(signal.SIGTERM, _raise_stop)
    # The parts stop in reverse order when the block ends, however it ends.
    with contextlib.ExitStack() as stack:
        if lock is not None:
            stack.callback(lock.close)  # the data directory is free again once Prometheus has stopped
        stack.callback(signal.signal, signal.SIGTERM, previous)
        try:
            server = stack.enter_context(Server(config, host=HOST, port=ports["--port"]))
            locust = stack.enter_context(
                LocustUI(
                    server.url,
                    web_port=ports["--locust-port"],
                    metrics_port=ports["--locust-metrics-port"],
                    lab_config=config.name,
                )
            )
            prometheus: prom.Prometheus | None = None
            if binary is not None and data_dir is not None:
                # This launch's own copy, so that no other `lab up` rewrites its targets.
                config_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lab-up-")))
                config_file = prom.prepare_config(
                    config_dir,
                    app=[f"{HOST}:{ports['--port']}"],
                    locust=[f"{HOST}:{ports['--locust-metrics-port']}"],
                )
                prometheus = stack.enter_context(
                    prom.Prometheus(
                        config_file,
                        data_dir / "data",
                        port=ports["--prometheus-port"],
                        binary=binary,
                        log=data_dir / "prometheus.log",
                    )
                )
            for note in notes:
                print(f"lab up: {note}", flush=True)
            _print_urls(config, server, locust, prometheus, data_dir)
            return _watch(server, locust, prometheus)
        except (LaunchError, LocustError, prom.PrometheusError) as exc:
            return fail(str(exc))
        except (KeyboardInterrupt, _Stop):
            print("stopping...", file=sys.stderr, flush=True)
            return 0


def _print_urls(
    config: ServerConfig,
    server: Server,
    locust: LocustUI,
    prometheus: Prometheus | None,
    data_dir: Path | None,
) -> None:
    from lab.runtime.prom import missing_reason

    if prometheus is not None:
        prometheus_line = f"{prometheus.url}  (data: {data_dir}, kept between launches)"
    else:
        prometheus_line = f"not started: {missing_reason()}"
    picked = ", ".join(locust.user_classes)
    print(
        f"lab up: {config.name} ({config.server}, {server.workers} worker(s), {config.threadpool} "
        "thread-pool tokens each)\n"
        f"  app             {server.url}  (metrics: {server.url}/metrics, API docs: {server.url}/docs)\n"
        f"  Locust UI       {locust.url}  (pick a scenario, {picked} to begin with; or POST /swarm)\n"
        f"  Locust metrics  {locust.metrics_url}\n"
        f"  Prometheus      {prometheus_line}\n"
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
