"""Start a server configuration, the Locust web UI pointed at it and a real Prometheus; Ctrl-C stops it all.

`--app MODULE:ATTR` serves your app instead of the lab's catalogue (inside the lab's wrapper: its metrics
at --metrics-path, default /metrics, where Prometheus scrapes them) and `--locustfile FILE` offers your
User classes in the web UI, with the lab's exporter loaded beside them (issue 11). Both are checked, each
in a process of its own, before anything starts (exit 2 with what to fix).

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
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING

from lab.commands.common import (
    add_configs_file,
    add_configs_names,
    add_server_host,
    add_target,
    check_target,
    fail,
    one_config,
    server_host_problem,
    target_of,
)
from lab.commands.locust_ui import LocustError, LocustUI
from lab.commands.up_resources import DEFAULT_DATA_DIR, HOST, PORTS, claim_data_dir, resolve_ports

if TYPE_CHECKING:
    from lab.runtime.launcher import Server
    from lab.runtime.prom import Prometheus
    from lab.shared.configs import ServerConfig
    from lab.shared.target import AppTarget

__all__ = ["LocustError", "LocustUI", "add_arguments", "run"]

EXIT_STATUSES = {
    0: "stopped by Ctrl-C or SIGTERM (every part stopped)",
    1: "a part (the server, Locust or Prometheus) exited on its own; the others were stopped",
    2: "usage error, or a part did not start: an unknown configuration, an app or locustfile that does not "
    "load, a port set and busy, a --data-dir held by another `lab up` (its reason printed)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "config",
        metavar="CONFIG",
        nargs="?",
        help="configuration name (see `lab configs`), or --configs NAME",
    )
    add_server_host(
        parser,
        "address the app binds, where Locust sends and Prometheus scrapes: e.g. this machine's address "
        "on a network, to reach the app from elsewhere too (default: 127.0.0.1; the Locust UI and "
        "Prometheus stay on 127.0.0.1)",
    )
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
    parser.add_argument(
        "--locustfile",
        type=Path,
        metavar="FILE",
        help="your locustfile: its User classes in the web UI's picker, the lab's exporter loaded beside "
        "them (default: the lab's locustfiles, for the catalogue)",
    )
    add_configs_names(parser, "the configuration to serve, as CONFIG gives it")
    add_configs_file(parser)
    add_target(parser)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


@dataclass(frozen=True)
class Plan:
    """What one `lab up` starts, every part checked: the configuration, the app, the Locust classes."""

    config: ServerConfig
    target: AppTarget
    locustfile: Path | None  # None: the lab's locustfiles
    user_classes: tuple[str, ...]  # of the user's locustfile (empty for the lab's)


def plan_of(args: argparse.Namespace) -> Plan:
    """The flags checked, the app and the locustfile each loaded in a process of its own; ValueError
    (ConfigError, TargetError, LocustfileError) says what is wrong, before anything starts."""
    from lab.runtime.locustfile import LocustfileError, user_classes
    from lab.shared.configs import get, load_catalogue

    host_problem = server_host_problem(args.server_host)
    if host_problem:
        raise ValueError(host_problem)
    name = one_config(args)  # first: an old `--configs FILE` joins args.configs_file
    config = get(load_catalogue(args.configs_file), name)
    target = target_of(args, config)
    if not target.is_catalogue and args.locustfile is None:
        raise LocustfileError(
            f"the app {target.app} with the lab's locustfiles: they request the catalogue's endpoints, not "
            "your app's; give --locustfile FILE"
        )
    classes: tuple[str, ...] = ()
    if args.locustfile is not None:
        classes = tuple(c.name for c in user_classes(args.locustfile))
    if not target.is_catalogue:
        check_target(target)  # an import error is the user's to read, before any server starts
    locustfile = args.locustfile.resolve() if args.locustfile is not None else None
    return Plan(config, target, locustfile, classes)


def run(args: argparse.Namespace) -> int:
    from lab.runtime import postgres, prom
    from lab.runtime.launcher import LaunchError, Server

    lock: IO[bytes] | None = None
    try:
        plan = plan_of(args)
        given = {flag: getattr(args, flag[2:].replace("-", "_")) for flag in PORTS}
        ports, notes = resolve_ports(given, app_host=args.server_host)
        binary = prom.find_binary()
        data_dir: Path | None = None
        if binary is not None:
            data_dir, lock, note = claim_data_dir(args.data_dir)
            notes += [note] if note else []
    except (ValueError, LaunchError) as exc:
        return fail(str(exc))

    config = plan.config
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    # The parts stop in reverse order when the block ends, however it ends.
    with contextlib.ExitStack() as stack:
        if lock is not None:
            stack.callback(lock.close)  # the data directory is free again once Prometheus has stopped
        stack.callback(signal.signal, signal.SIGTERM, previous)
        try:
            server_env = _database_env(stack, notes) if plan.target.is_catalogue else {}
            server = stack.enter_context(
                Server(
                    config,
                    host=args.server_host,
                    port=ports["--port"],
                    target=plan.target,
                    extra_env=server_env,
                )
            )
            locust = stack.enter_context(
                LocustUI(
                    server.url,
                    web_port=ports["--locust-port"],
                    metrics_port=ports["--locust-metrics-port"],
                    lab_config=config.name,
                    locustfile=plan.locustfile,
                )
            )
            prometheus = None
            if binary is not None and data_dir is not None:
                prometheus = _start_prometheus(stack, binary, data_dir, server, ports)
            for note in notes:
                print(f"lab up: {note}", flush=True)
            _print_urls(plan, server, locust, prometheus, data_dir)
            return _watch(server, locust, prometheus)
        except (LaunchError, LocustError, prom.PrometheusError, postgres.PostgresError) as exc:
            return fail(str(exc))
        except (KeyboardInterrupt, _Stop):
            print("stopping...", file=sys.stderr, flush=True)
            return 0


def _database_env(stack: contextlib.ExitStack, notes: list[str]) -> dict[str, str]:
    """The catalogue's /db/* endpoints (db-* users) need a database: a PostgreSQL of its own when one is
    installed (or $LAB_DATABASE_URL); without, they answer 503 and a note says so."""
    from lab.runtime import postgres

    has_url = bool(os.environ.get(postgres.DATABASE_URL_ENV))
    url = stack.enter_context(postgres.database(has_url or postgres.find_bindir() is not None))
    if not url:
        notes.append(f"the db-* users will get 503: {postgres.missing_reason()}")
        return {}
    return {postgres.DATABASE_URL_ENV: url}


def _start_prometheus(
    stack: contextlib.ExitStack, binary: str, data_dir: Path, server: Server, ports: dict[str, int]
) -> Prometheus:
    """Prometheus on this launch's own copy of the configuration, so that no other `lab up` rewrites its
    targets; the app's target carries its metrics path ("host:port/path")."""
    from lab.runtime import prom

    config_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lab-up-")))
    config_file = prom.prepare_config(
        config_dir,
        app=[server.metrics_url.removeprefix("http://")],
        locust=[f"{HOST}:{ports['--locust-metrics-port']}"],
    )
    return stack.enter_context(
        prom.Prometheus(
            config_file,
            data_dir / "data",
            port=ports["--prometheus-port"],
            binary=binary,
            log=data_dir / "prometheus.log",
        )
    )


def _print_urls(
    plan: Plan,
    server: Server,
    locust: LocustUI,
    prometheus: Prometheus | None,
    data_dir: Path | None,
) -> None:
    from lab.runtime.prom import missing_reason

    config = plan.config
    if prometheus is not None:
        prometheus_line = f"{prometheus.url}  (data: {data_dir}, kept between launches)"
    else:
        prometheus_line = f"not started: {missing_reason()}"
    if plan.locustfile is None:
        picker = f"pick a scenario, {', '.join(locust.user_classes)} to begin with; or POST /swarm"
    else:
        picker = f"{plan.locustfile.name}: {', '.join(plan.user_classes)}; or POST /swarm"
    print(
        f"lab up: {config.name} ({config.server}, {server.workers} worker(s), {config.threadpool} "
        f"thread-pool tokens each) serving {plan.target.label}\n"
        f"  app             {server.url}  (metrics: {server.metrics_url}, API docs: {server.url}/docs)\n"
        f"  Locust UI       {locust.url}  ({picker})\n"
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
