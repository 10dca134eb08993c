"""Find the configuration that meets your SLOs with few runs, and how far it scales (issue 23).

From the service demands measured at one user, the model predicts every point of the space; the search
measures the most promising first, refines the predictions from each cell, skips what cannot win and stops
at --budget or when nothing left is predicted to beat the best by more than the noise. Then the pick's
capacity at the SLOs. Writes tune.json, report.html and tuned.toml (`lab compare --configs-file
OUT/tuned.toml --configs tuned` reruns the pick).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from lab.commands import generator, workload
from lab.commands.common import add_configs_file, add_target, fail
from lab.commands.compare import parse_duration

if TYPE_CHECKING:
    from lab.compare.run.asked import Asked
    from lab.compare.run.gates import Gates
    from lab.tune.session import Request

BASE = "uvicorn-single"
USERS = 50  # --users default
BUDGET_SHARE = 0.4  # --budget's default: 40% of the space's points (at least 2)
EXIT_STATUSES = {
    0: "a point meets every SLO: tuned.toml holds it",
    1: "a cell failed and the search could not go on (its first cell: nothing to predict from)",
    2: "usage error: unknown key or field, empty space, invalid value (nothing started)",
    3: "no point meets every SLO: the closest is named with how far it missed",
    130: "interrupted (Ctrl-C): what was measured is written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--slo", action="append", default=[], metavar="EXPR",
        help="an SLO in the --check grammar, e.g. 'p95_ms<200' or 'failure_ratio<0.01' (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--space", action="append", default=[], metavar="KEY=V1,V2,...",
        help="a key of --set and its values to search (repeatable; default: the servers, workers 1 to the "
        "usable cores, thread pools from 4 to 4x the users, db_pool for the lab's pool)",
    )  # fmt: skip
    parser.add_argument(
        "--budget", type=int, help="most cells the search measures (default: 40%% of the space)"
    )
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--users", type=int, default=None, help=f"closed-loop users (default: {USERS})")
    load.add_argument("--rate", type=float, help="open model: requests per second offered")
    parser.add_argument(
        "--config", default=BASE, help=f"the configuration the space varies (default: {BASE})"
    )
    parser.add_argument("--scenario", help="the scenario (a User class of --locustfile; default: the first)")
    workload.add_arguments(parser)
    add_target(parser)
    add_configs_file(parser, "--configs-file")
    parser.add_argument(
        "--duration", type=parse_duration, default=5.0, help="measured time per cell (default: 5s)"
    )
    parser.add_argument("--warmup", type=parse_duration, default=1.0, help="warm-up per cell (default: 1s)")
    parser.add_argument(
        "--calibrate", type=parse_duration, default=None, metavar="DURATION",
        help="the first cell's run at one user: the demands the model predicts from (default: 3s)",
    )  # fmt: skip
    parser.add_argument(
        "--capacity-steps", type=int, default=3, metavar="N",
        help="cells spent on the pick's capacity at the SLOs, doubling then bisecting the load (0: none)",
    )  # fmt: skip
    parser.add_argument("--max-failure-ratio", type=float, default=0.01, metavar="R")
    parser.add_argument("--out", type=Path, help="result directory (default: results/tune-<timestamp>)")
    parser.add_argument("--pin", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--port", type=int, help="port for the servers (default: a free one)")
    generator.add_arguments(parser)


def asked_of(args: argparse.Namespace) -> Asked:
    from lab.compare.run.asked import Asked
    from lab.shared.configs import get, load_catalogue

    base = get(load_catalogue(args.configs_file), args.config)
    custom = args.locustfile is not None or bool(args.endpoints)
    names = [args.scenario] if args.scenario else []
    scenarios = workload.scenarios_of(args, names, [] if custom else ["io-sync"])
    targets = workload.targets_of(args, [base])
    out = args.out or Path("results") / dt.datetime.now().strftime("tune-%Y%m%d-%H%M%S")
    return Asked(
        bases=[base], configs=[base], set_swept={}, scenarios=scenarios[:1], targets=targets, custom=custom,
        users=[USERS if args.users is None else args.users],
        rates=[args.rate] if args.rate is not None else [], repeat=1,
        duration_s=args.duration, warmup_s=args.warmup, calibrate_s=args.calibrate, out=out,
        generator=lambda: generator.generator_of(args), gates_of=lambda *_: _no_gates(),
        apps_of=workload.check_targets, port=args.port, pin=args.pin, host=args.server_host,
        locustfile=args.locustfile.resolve() if args.locustfile else None,
        max_failure_ratio=args.max_failure_ratio,
    )  # fmt: skip


def _no_gates() -> Gates:
    """Tune judges its SLOs itself, per point (lab.tune.slo): its cells run without gates."""
    from lab.compare.run.gates import Gates

    return Gates()


def request_of(args: argparse.Namespace) -> Request:
    """The checked request (every usage error raised before anything starts)."""
    from lab.compare.run.asked import build
    from lab.compare.run.plan import PlanError
    from lab.shared.cores import usable_cpus
    from lab.tune import slo, space
    from lab.tune.session import Request

    if args.budget is not None and args.budget < 1:
        raise PlanError(f"--budget {args.budget}: must be at least 1")
    if not 0 <= args.capacity_steps <= 10:
        raise PlanError(f"--capacity-steps {args.capacity_steps}: must be between 0 and 10")
    asked = asked_of(args)
    scenario = asked.scenarios[0]
    slos = slo.parse_all(args.slo, scenario.name)
    if args.space:
        found = space.parse(args.space)
    else:
        in_flight = asked.users[0]
        found = space.default(len(usable_cpus()), in_flight, scenario.kind == "db")
    grid = len(space.points(asked.bases[0], found))
    if (asked.out / "tune.json").exists():
        raise PlanError(f"{asked.out} already holds a tune; choose another --out (nothing is overwritten)")
    plan = build(asked)
    budget = args.budget or min(grid, max(2, int(BUDGET_SHARE * grid)))
    return Request(plan, found, slos, budget, capacity_steps=args.capacity_steps)


def run(args: argparse.Namespace) -> int:
    from lab.compare.results.checks import CheckError
    from lab.compare.run.plan import PlanError
    from lab.shared.configs import ConfigError
    from lab.tune.session import tune
    from lab.tune.space import SpaceError

    try:
        request = request_of(args)
    except (ConfigError, workload.WorkloadError, PlanError, CheckError, SpaceError) as exc:
        return fail(str(exc))
    try:
        return tune(request)
    except PlanError as exc:  # its PostgreSQL could not start
        return fail(str(exc))
