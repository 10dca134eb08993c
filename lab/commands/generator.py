"""The load generator's flags of `lab compare` (issue 13): how many Locust processes send, and where."""

from __future__ import annotations

import argparse
import ipaddress

from lab.commands.common import add_old_spelling, add_server_host, server_host_problem
from lab.runtime.generator import DEFAULT_MASTER_PORT, WORKERS_WAIT_S, Generator

MAX_PROCESSES = 256


class GeneratorError(ValueError):
    """A bad generator flag: a usage error (exit 2)."""


def _processes(text: str) -> int:
    if text == "auto":
        return 0
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of processes (at least 1) or 'auto'")
    return count


def add_arguments(parser: argparse.ArgumentParser, *, server_host: bool = True) -> None:
    """The generator's flags; `server_host`: also --server-host (the servers the lab starts bind it)."""
    parser.add_argument(
        "--generator-processes",
        type=_processes,
        default=0,
        metavar="N|auto",
        help="Locust processes sending the load on this machine; N > 1 runs Locust's --processes N (a master "
        "and N workers); auto = one per core the pinning leaves to Locust, at least 1 (default: auto)",
    )
    parser.add_argument(
        "--expect-workers",
        type=int,
        default=0,
        metavar="N",
        help="Locust as a master waiting for N workers started elsewhere (README: Workers on other machines)",
    )
    # Locust's own names for the master's (issue 26 §3); the lab's first ones still read, with a warning.
    parser.add_argument(
        "--master-bind-host",
        dest="master_bind",
        default="127.0.0.1",
        metavar="HOST",
        help="interface the master listens on for --expect-workers (default: 127.0.0.1; 0.0.0.0: every one)",
    )
    add_old_spelling(parser, "--master-bind", "--master-bind-host", "master_bind")
    if server_host:
        add_server_host(
            parser,
            "address the servers bind and Locust sends to: one the workers on other machines reach "
            "(default: 127.0.0.1, this machine only)",
        )
    parser.add_argument(
        "--master-bind-port",
        dest="master_port",
        type=int,
        default=DEFAULT_MASTER_PORT,
        metavar="PORT",
        help=f"port the master listens on for --expect-workers (default: {DEFAULT_MASTER_PORT})",
    )
    add_old_spelling(parser, "--master-port", "--master-bind-port", "master_port", type=int)
    parser.add_argument(
        "--expect-workers-max-wait",
        dest="workers_wait",
        type=float,
        default=WORKERS_WAIT_S,
        metavar="SECONDS",
        help=f"how long each run waits for --expect-workers (default: {WORKERS_WAIT_S:.0f})",
    )
    add_old_spelling(parser, "--workers-wait", "--expect-workers-max-wait", "workers_wait", type=float)


def generator_of(args: argparse.Namespace) -> Generator:
    """The Generator the flags describe; GeneratorError names the bad flag."""
    processes, workers = args.generator_processes, args.expect_workers
    problems = []
    if processes > MAX_PROCESSES:
        problems.append(f"--generator-processes {processes}: must be auto or between 1 and {MAX_PROCESSES}")
    if not 0 <= workers <= 1000:
        problems.append(f"--expect-workers {workers}: must be between 1 and 1000")
    if workers and processes:
        problems.append("--expect-workers and --generator-processes: one or the other (workers elsewhere "
                        "or processes here)")  # fmt: skip
    if not 0 < args.master_port < 65536:
        problems.append(f"--master-bind-port {args.master_port}: must be between 1 and 65535")
    if not 1 <= args.workers_wait <= 600:
        problems.append(f"--expect-workers-max-wait {args.workers_wait:g}: must be between 1 and 600 seconds")
    if args.master_bind != "*":
        try:
            ipaddress.ip_address(args.master_bind)
        except ValueError:
            problems.append(
                f"--master-bind-host {args.master_bind}: not an IP address (or * for every interface)"
            )
    host_problem = server_host_problem(getattr(args, "server_host", "127.0.0.1"))
    if host_problem:
        problems.append(host_problem)
    if problems:
        raise GeneratorError("; ".join(problems))
    return Generator(
        processes=0 if workers else processes,
        expect_workers=workers,
        master_bind=args.master_bind,
        master_port=args.master_port,
        workers_wait_s=args.workers_wait,
    )
