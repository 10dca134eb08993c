"""Measure a running service the lab did not start: Locust's numbers, the server's (with --metrics-url),
the gates and the report, as `lab compare` writes them (issue 24).

One cell per User class of the locustfile, against --host. A LoadTestShape in the locustfile is followed:
it sets the users and ends each run (--duration is then the most it may take). With --metrics-url (the
service's Prometheus endpoint: the lab's wrapper, or any app exporting http_requests_total and
http_request_duration_seconds by handler) each cell is reconciled against the server's count and the
server's sections are drawn; without it the report says why they are empty.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from lab.commands import compare, gates, generator
from lab.commands.workload import WorkloadError

if TYPE_CHECKING:
    from lab.compare.run.asked import Asked
    from lab.shared.scenarios import Scenario, UserClassInfo

EXIT_STATUSES = compare.EXIT_STATUSES
DEFAULT_NAME = "service"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", required=True, metavar="URL", help="the service, e.g. http://10.0.0.5:8000")
    parser.add_argument("--locustfile", required=True, type=Path, metavar="FILE",
                        help="your locustfile: each concrete User class is a scenario (a cell)")  # fmt: skip
    parser.add_argument("--scenarios", default="", help="User classes to run, comma-separated (default: all)")
    parser.add_argument(
        "--metrics-url",
        metavar="URL",
        help="the service's Prometheus endpoint, e.g. http://10.0.0.5:8000/metrics: reconcile each cell "
        "against it and draw the server's sections (default: none, Locust's side only)",
    )
    parser.add_argument(
        "--name", default=DEFAULT_NAME, help=f"what the report calls the service (default: {DEFAULT_NAME})"
    )
    parser.add_argument(
        "--users", type=int, default=100,
        help="concurrent Locust users (default: 100); with --rate, the users that share the rate",
    )  # fmt: skip
    parser.add_argument(
        "--rate", type=float, metavar="R",
        help="open model: R requests per second whatever the responses (the lab's own locustfiles' users "
        "only: a user's locustfile paces itself with its wait_time)",
    )  # fmt: skip
    parser.add_argument(
        "--duration", type=compare.parse_duration, default=5.0,
        help="measured time per cell (default: 5s); with a load shape, the most the shape may take",
    )  # fmt: skip
    parser.add_argument(
        "--warmup", type=compare.parse_duration, default=1.0,
        help="warm-up per cell, not counted (default: 1s; none with a load shape)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell (default: 1)")
    parser.add_argument(
        "--max-failure-ratio", type=float, default=0.01, metavar="R",
        help="a cell whose failures / requests exceed R is flagged failing (default: 0.01)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, help="result directory (default: results/<timestamp>)")
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="an earlier result directory")
    gates.add_arguments(parser)
    generator.add_arguments(parser, server_host=False)


def asked_of(args: argparse.Namespace) -> Asked:
    """What the flags ask for; WorkloadError (exit 2) for a bad URL, name or locustfile."""
    from lab.compare import handlers
    from lab.compare.run.asked import Asked
    from lab.runtime.locustfile import LocustfileError, contents
    from lab.runtime.service import external_config
    from lab.shared.configs import BASE_NAME
    from lab.shared.scenarios import UnknownScenarioError, select
    from lab.shared.service import Service, ServiceError

    if not BASE_NAME.match(args.name):
        raise WorkloadError(f"--name {args.name!r}: letters, digits, '.', '_' and '-' only")
    try:
        service = Service(args.host, args.metrics_url)  # the cheap check first: no locustfile loaded
        classes, shapes = contents(args.locustfile)
        if len(shapes) > 1:
            raise WorkloadError(f"locustfile {args.locustfile}: {len(shapes)} load shapes "
                                f"({', '.join(shapes)}); Locust follows one: keep one")  # fmt: skip
        scenarios = select(_scenarios(args.locustfile, classes), compare._names(args.scenarios))
        service = dataclasses.replace(service, shape=shapes[0] if shapes else None)
    except (LocustfileError, UnknownScenarioError, ServiceError) as exc:
        raise WorkloadError(str(exc)) from None
    config = external_config(args.name, service)
    return Asked(
        bases=[config], configs=[config], set_swept={}, scenarios=scenarios, targets={},
        custom=any(handlers.is_app_scenario(s) for s in scenarios),
        users=[args.users], rates=[args.rate] if args.rate is not None else [], repeat=args.repeat,
        duration_s=args.duration, warmup_s=0.0 if service.shape else args.warmup, calibrate_s=0.0,
        out=args.out or Path("results") / dt.datetime.now().strftime("%Y%m%d-%H%M%S"),
        generator=lambda: generator.generator_of(args),
        gates_of=lambda configs, scenarios, planned: gates.gates_of(args, configs, scenarios, planned),
        apps_of=lambda targets, scenarios: {}, baseline=args.baseline, pin="off",
        locustfile=args.locustfile.resolve(), max_failure_ratio=args.max_failure_ratio, service=service,
    )  # fmt: skip


def _scenarios(locustfile: Path, classes: list[UserClassInfo]) -> dict[str, Scenario]:
    """Each class as a scenario, by class name: a class of one of the lab's own locustfiles is its
    catalogue scenario (its endpoint, its parameters, the open model of --rate), any other a user's."""
    from lab.shared.scenarios import custom_scenarios, scenario_of

    found = custom_scenarios(locustfile, classes)
    for name in found:
        lab = scenario_of(name)
        if lab is not None and lab.path.resolve() == locustfile.resolve():
            found[name] = lab
    return found


def run(args: argparse.Namespace) -> int:
    return compare.execute(lambda: asked_of(args))
