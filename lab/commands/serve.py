"""Start one server configuration in the foreground until Ctrl-C or SIGTERM, then stop its whole tree."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from lab.commands.common import (
    add_configs_file,
    add_configs_names,
    add_server_host,
    add_set,
    add_target,
    check_target,
    fail,
    one_config,
    parse_overrides,
    target_of,
)

EXIT_STATUSES = {
    0: "stopped by Ctrl-C or SIGTERM (the whole server tree stopped)",
    1: "the server exited on its own",
    2: "usage error, or the server did not start: an unknown configuration, a bad value, an app that does "
    "not import, a busy port (its reason printed)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "config",
        metavar="CONFIG",
        nargs="?",
        help="configuration name (see `lab configs`), or --configs NAME",
    )
    # --host was this flag's old name: Locust's --host is the URL it sends to (issue 26 §3).
    add_server_host(parser, "address the server binds, e.g. 0.0.0.0 (default: 127.0.0.1)", old="--host")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")
    add_configs_names(parser, "the configuration to serve, as CONFIG gives it")
    add_configs_file(parser)
    add_set(parser)
    parser.add_argument(
        "--cpus",
        default=os.environ.get("LAB_SERVER_CPUS"),
        help="pin the server's processes to these cores, e.g. 0 or 0-1 (default: $LAB_SERVER_CPUS)",
    )
    add_target(parser)
    parser.add_argument(
        "--log", type=Path, help="write the server's output to this file instead of the terminal"
    )


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def run(args: argparse.Namespace) -> int:
    from lab.runtime.launcher import LaunchError, Server, parse_cpus
    from lab.shared.configs import ConfigError, get, load_catalogue
    from lab.shared.target import TargetError

    if not 0 < args.port < 65536:
        return fail(f"--port {args.port}: must be between 1 and 65535")
    try:
        name = one_config(args)  # first: an old `--configs FILE` joins args.configs_file
        config = get(load_catalogue(args.configs_file), name)
        config = config.with_overrides(parse_overrides(args.overrides))
        cpus = parse_cpus(args.cpus)
        target = target_of(args, config)
        if not target.is_catalogue:
            check_target(target)  # before any server starts: an import error is the user's to read
    except (ConfigError, LaunchError, TargetError, ValueError) as exc:
        return fail(str(exc))

    server = Server(config, host=args.server_host, port=args.port, cpus=cpus, log=args.log, target=target)
    server.inherit_output = True  # without --log: the app's own output (and tracebacks) in the terminal
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        try:
            server.start()
        except LaunchError as exc:
            return fail(str(exc))
        pinning = f", pinned to CPUs {','.join(map(str, cpus))}" if cpus else ""
        print(
            f"{config.name}: {config.server} with {server.workers} worker(s), {config.threadpool} "
            f"thread-pool tokens each{pinning}\nserving {server.url}  (app: {target.label}; "
            f"metrics: {server.metrics_url}; Ctrl-C stops)",
            flush=True,
        )
        while server.alive():
            server.sweep()
            time.sleep(1)
        code = server.process.returncode if server.process else None
        print(f"lab: error: the server exited on its own (code {code})", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, _Stop):
        print("stopping...", file=sys.stderr, flush=True)
        return 0
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
