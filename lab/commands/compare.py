"""Drive every configuration with Locust and write a comparison report (the lab's main job).

For each configuration: launch it, warm up (not counted), run each scenario headless, collect Locust's
and the server's numbers, stop the server, go on. Writes summary.json/.csv/.md and report.html.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.commands import gates, generator, workload
from lab.commands.common import add_configs_file, add_target, fail

if TYPE_CHECKING:
    from lab.compare.run.asked import Asked

DEFAULT_CONFIGS = "uvicorn-single,gunicorn-multi,threadpool-tuned"
DEFAULT_SCENARIOS = "io-sync,io-async,io-blocking,cpu-sync,cpu-async,cpu-thread,cpu-process"
PLAIN = {"duration": 5.0, "warmup": 1.0}
QUICK = {"duration": 2.0, "warmup": 1.0}  # --quick's, where --duration or --warmup is not given
AUTO_REPEAT = 10  # --repeat auto's cap
QUICK_SCENARIOS = "io-sync,io-async,cpu-sync,cpu-process"  # one of each lesson, not the whole matrix
EXIT_STATUSES = {
    0: "every cell ran (and every check and regression gate passed)",
    1: "a cell failed (its reason is in the report; every other cell was still run and written); it wins "
    "over a failed gate: a gate judged on a broken run proves little",
    2: "usage error: unknown name, field or scope, invalid value, busy port, result directory in use "
    "(nothing started)",
    3: "a check (--check, --checks-file) or a regression (--fail-on-regression) failed",
    130: "interrupted (Ctrl-C): what completed is written (and judged)",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")


def parse_duration(text: str) -> float:
    """'30s', '2m', '500ms' or '5' (seconds) -> seconds.

    Not locust.util.timespan.parse_timespan, on purpose: importing any `locust` module runs
    locust/__init__.py, which calls gevent's monkey.patch_all() in this process, the orchestrator that
    starts servers and Locust as child processes and must keep real threads, sockets and signals
    (LOCUST_SKIP_MONKEY_PATCH would be inherited by those Locust children). It also takes whole
    seconds only, and our cells are given in ms and fractions ("500ms", "1.5s")."""
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30s, 2m or 500ms")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _int_list(text: str) -> list[int]:
    try:
        return list(dict.fromkeys(int(v) for v in _names(text))) or _no_values(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected whole numbers, e.g. 10,50,100") from None


def _float_list(text: str) -> list[float]:
    try:
        return list(dict.fromkeys(float(v) for v in _names(text))) or _no_values(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected numbers, e.g. 100,200") from None


def _repeat(text: str) -> int:
    """--repeat N or auto (0 here: asked_of turns it into the cap and the flag)."""
    if text.strip().lower() == "auto":
        return 0
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of runs, or auto") from None


def _no_values(text: str) -> list[Any]:
    raise argparse.ArgumentTypeError(f"{text!r}: no value")


def scenario_names(args: argparse.Namespace) -> list[str]:
    """--scenarios, else the default set: the quick one with --quick."""
    return _names(args.scenarios or (QUICK_SCENARIOS if args.quick else DEFAULT_SCENARIOS))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lab.shared.scenarios import PARAMETERS

    parser.add_argument(
        "--configs",
        default=DEFAULT_CONFIGS,
        help=f"configurations, comma-separated (default: {DEFAULT_CONFIGS})",
    )
    parser.add_argument(
        "--scenarios",
        help=f"scenarios, comma-separated (default: {DEFAULT_SCENARIOS}; with --quick: {QUICK_SCENARIOS}; "
        "with --locustfile: its User classes, all by default)",
    )
    workload.add_arguments(parser)
    add_target(parser)
    _load_arguments(parser)
    _run_arguments(parser)
    add_configs_file(parser, "--configs-file")
    parser.add_argument("--out", type=Path, help="result directory (default: results/<timestamp>)")
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="an earlier result directory to compare against"
    )
    gates.add_arguments(parser)
    parser.add_argument(
        "--pin",
        choices=["auto", "on", "off"],
        default="auto",
        help="server and Locust on different cores: auto = when at least 3 cores (default: auto)",
    )
    parser.add_argument("--port", type=int, help="port for the servers (default: a free one)")
    generator.add_arguments(parser)
    for p in PARAMETERS:
        parser.add_argument(p.option, type=int, help=f"{p.help} (default: {p.default})")


def _load_arguments(parser: argparse.ArgumentParser) -> None:
    """The load of each cell: users or a rate, and the configurations' sweep."""
    parser.add_argument(
        "--users",
        type=_int_list,
        default=[100],
        metavar="N[,N...]",
        help="concurrent Locust users, no wait time (default: 100); several sweep them: --users 10,50,100",
    )
    parser.add_argument(
        "--rate",
        type=_float_list,
        default=[],
        metavar="R[,R...]",
        help="open model: send R requests per second whatever the responses, shared by the users "
        "(the lab's scenarios only); several sweep it. See docs/load-models.md",
    )
    parser.add_argument(
        "--set",
        dest="sweep",
        action="append",
        default=[],
        metavar="KEY=V1[,V2...]",
        help="sweep a key of the configurations (workers, threadpool, process_pool, loop, http, server, "
        "db_pool) over the values: each configuration once per combination, named by its values, e.g. "
        "uvicorn-single[threadpool=8] (repeatable)",
    )


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    """How long each cell runs, and how often."""
    parser.add_argument(
        "--duration", type=parse_duration, default=None,
        help=f"measured time per cell (default: {PLAIN['duration']:.0f}s; with --quick: "
        f"{QUICK['duration']:.0f}s)",
    )  # fmt: skip
    parser.add_argument(
        "--warmup", type=parse_duration, default=None,
        help=f"warm-up per cell, not counted (default: {PLAIN['warmup']:.0f}s; with --quick: "
        f"{QUICK['warmup']:.0f}s)",
    )  # fmt: skip
    parser.add_argument(
        "--calibrate",
        type=parse_duration,
        default=None,
        metavar="DURATION",
        help="a run at one user before a scenario's first cell on each configuration: the service demands "
        "of the model's ceiling and binding resource (default: 3s; 0: off, no ceiling)",
    )
    parser.add_argument(
        "--repeat",
        type=_repeat,
        default=1,
        metavar="N|auto",
        help="runs per cell; from 3, a 95%% interval of req/s and p95 per cell, and configurations whose "
        f"intervals overlap are a tie; auto: runs until both intervals are within 5%%, {AUTO_REPEAT} at most "
        "(default: 1)",
    )
    parser.add_argument(
        "--max-failure-ratio",
        type=float,
        default=0.01,
        metavar="R",
        help="a cell whose failures / requests exceed R (0 to 1) is flagged failing: never named best, "
        "left out of knees and ratios (default: 0.01)",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="after every cell, rerun each one whose binding resource is a knob (workers, threadpool, "
        "db_pool, process_pool, users, rate) with that knob doubled: confirmed when its req/s is within 15%% "
        "of the model's prediction, else refuted (summary.json: verified, verify). See docs/model.md",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a first look in about a minute: {QUICK['duration']:.0f}s cells after a {QUICK['warmup']:.0f}s "
        f"warm-up unless --duration or --warmup says otherwise, and unless --scenarios is given only "
        f"{QUICK_SCENARIOS}",
    )


def asked_of(args: argparse.Namespace) -> Asked:
    """What the flags ask for, parsed (lab.compare.run.asked.build checks it); ConfigError and
    WorkloadError name a configuration, a scenario or an app that cannot be found."""
    from lab.compare.run.asked import Asked, swept_configs
    from lab.shared.configs import get, load_catalogue
    from lab.shared.scenarios import PARAMETERS

    catalogue = load_catalogue(args.configs_file)
    bases = [get(catalogue, name) for name in _names(args.configs)]
    configs, set_swept = swept_configs(bases, args.sweep)
    custom = args.locustfile is not None or bool(args.endpoints)
    default_names = [] if custom else scenario_names(args)
    scenarios = workload.scenarios_of(args, _names(args.scenarios or ""), default_names)
    targets = workload.targets_of(args, configs)
    given = QUICK if args.quick else PLAIN  # an explicit --duration or --warmup wins over --quick's
    args.duration = given["duration"] if args.duration is None else args.duration
    args.warmup = given["warmup"] if args.warmup is None else args.warmup
    return Asked(
        bases=bases, configs=configs, set_swept=set_swept, scenarios=scenarios, targets=targets,
        custom=custom, users=args.users, rates=args.rate, repeat=args.repeat or AUTO_REPEAT,
        repeat_auto=args.repeat == 0, duration_s=args.duration,
        warmup_s=args.warmup, calibrate_s=args.calibrate,
        out=args.out or Path("results") / dt.datetime.now().strftime("%Y%m%d-%H%M%S"),
        generator=lambda: generator.generator_of(args),
        gates_of=lambda configs, scenarios, planned: gates.gates_of(args, configs, scenarios, planned),
        apps_of=workload.check_targets,
        parameters={p.option: v for p in PARAMETERS if (v := getattr(args, p.dest)) is not None},
        baseline=args.baseline, port=args.port, pin=args.pin, host=args.server_host,
        locustfile=args.locustfile.resolve() if args.locustfile else None,
        max_failure_ratio=args.max_failure_ratio, verify=args.verify,
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    return execute(lambda: asked_of(args))


def execute(asked: Callable[[], Asked]) -> int:
    """Build the plan the flags ask for (exit 2 on a usage error), run it, map its outcome to a status:
    `lab compare`'s and `lab run`'s."""
    from lab.compare.run.asked import build
    from lab.compare.run.gates import exit_status
    from lab.compare.run.plan import PlanError
    from lab.compare.run.session import compare
    from lab.shared.configs import ConfigError

    try:
        plan = build(asked())
    except (ConfigError, workload.WorkloadError, PlanError) as exc:
        return fail(str(exc))
    try:
        outcome = compare(plan)
    except PlanError as exc:  # its PostgreSQL could not start
        return fail(str(exc))
    code = exit_status(outcome.cells, outcome.verdicts, interrupted=not outcome.completed)
    failed = [c for c in outcome.cells if c.status != "ok"]
    if code == 1:
        print(f"lab: {len(failed)} cell(s) failed (exit 1); reasons above and in the report", file=sys.stderr)
    elif code == 3:
        print("lab: a gate failed (exit 3): see Checks / Regressions above", file=sys.stderr)
    return code
