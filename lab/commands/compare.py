"""Drive every configuration with Locust and write a comparison report (the lab's main job).

For each configuration: launch it, warm up (not counted), run each scenario headless, collect Locust's
and the server's numbers, stop the server, go on. Writes summary.json/.csv/.md and report.html.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.commands import gates, generator, workload
from lab.commands.common import add_configs_file, add_target, fail

if TYPE_CHECKING:
    from lab.shared.configs import ServerConfig

SWEEP_KEYS = ("workers", "threadpool", "process_pool", "loop", "http", "server", "db_pool")
DEFAULT_CONFIGS = "uvicorn-single,gunicorn-multi,threadpool-tuned"
DEFAULT_SCENARIOS = "io-sync,io-async,io-blocking,cpu-sync,cpu-async,cpu-thread,cpu-process"
QUICK = {"duration": 2.0, "warmup": 1.0}
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


def _no_values(text: str) -> list[Any]:
    raise argparse.ArgumentTypeError(f"{text!r}: no value")


def swept_configs(
    configs: list[ServerConfig], pairs: list[str]
) -> tuple[list[ServerConfig], dict[str, list[str]]]:
    """Each configuration once per combination of the --set values, and the swept keys with their
    values; ConfigError (exit 2) for an unknown key or a bad value, before anything starts."""
    from lab.shared.configs import ConfigError

    keys: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, values = pair.partition("=")
        key = key.strip()
        if not sep or not key or not _names(values):
            raise ConfigError(f"--set {pair!r}: expected KEY=V1[,V2...], e.g. threadpool=4,8")
        if key not in SWEEP_KEYS:
            raise ConfigError(f"--set {key}: not a key to sweep (valid: {', '.join(SWEEP_KEYS)})")
        keys[key] = list(dict.fromkeys(_names(values)))
    found: list[ServerConfig] = []
    for cfg in configs:
        for combination in itertools.product(*keys.values()):
            found.append(cfg.with_overrides(dict(zip(keys, combination, strict=True))))
    return list({c.name: c for c in found}.values()), keys


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
    parser.add_argument(
        "--duration", type=parse_duration, default=5.0, help="measured time per cell (default: 5s)"
    )
    parser.add_argument(
        "--warmup", type=parse_duration, default=1.0, help="warm-up per cell, not counted (default: 1s)"
    )
    parser.add_argument(
        "--calibrate",
        type=parse_duration,
        default=None,
        metavar="DURATION",
        help="a run at one user before each cell of a user's scenario (--locustfile, --endpoint): each "
        "handler's service time, for the report's ceiling (default: 2s; 0: off)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per cell; the report shows the spread (default: 1)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a first look in about a minute: {QUICK['duration']:.0f}s cells after a {QUICK['warmup']:.0f}s "
        f"warm-up, and unless --scenarios is given only {QUICK_SCENARIOS}",
    )
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


def run(args: argparse.Namespace) -> int:
    from lab.compare import report
    from lab.compare.gates import exit_status, judge, lines
    from lab.compare.plan import Plan
    from lab.compare.points import Sweep
    from lab.compare.runner import Comparison
    from lab.runtime import postgres
    from lab.shared.configs import ConfigError, get, load_catalogue
    from lab.shared.scenarios import FANOUT_MS, FANOUT_N, PARAMETERS, total_wait_problem

    try:
        catalogue = load_catalogue(args.configs_file)
        bases = [get(catalogue, name) for name in _names(args.configs)]
        configs, set_swept = swept_configs(bases, args.sweep)
        custom = args.locustfile is not None or bool(args.endpoints)
        default_names = [] if custom else scenario_names(args)
        scenarios = workload.scenarios_of(args, _names(args.scenarios or ""), default_names)
        targets = workload.targets_of(args, configs)
    except (ConfigError, workload.WorkloadError) as exc:
        return fail(str(exc))
    if not configs or not scenarios:
        return fail("--configs and --scenarios need at least one name each")
    if args.quick:
        args.duration, args.warmup = QUICK["duration"], QUICK["warmup"]
    users = args.users[0]
    problems = [
        *(f"--users {u}: must be between 1 and 5000" for u in args.users if not 1 <= u <= 5000),
        *(f"--rate {r:g}: must be between 0.1 and 100000 req/s" for r in args.rate if not 0.1 <= r <= 1e5),
        "--rate drives the lab's own users: your locustfile's (or --endpoint's) pace is its wait_time"
        if args.rate and custom
        else "",
        f"--repeat {args.repeat}: must be between 1 and 20" if not 1 <= args.repeat <= 20 else "",
        "--duration: must be between 1 s and 1 h" if not 1 <= args.duration <= 3600 else "",
        "--warmup: must be between 0 and 10 min" if not 0 <= args.warmup <= 600 else "",
        "--calibrate: must be 0 (off) or between 1 s and 10 min"
        if args.calibrate is not None and not (args.calibrate == 0 or 1 <= args.calibrate <= 600)
        else "",
        f"--port {args.port}: must be between 1 and 65535"
        if args.port is not None and not 0 < args.port < 65536
        else "",
    ]
    options = {}
    for p in PARAMETERS:
        value = getattr(args, p.dest)
        if value is not None:
            low, high = p.bounds
            if not low <= value <= high:
                problems.append(f"{p.option} {value}: must be between {low} and {high}")
            options[p.option] = str(value)
    n, ms = (
        p.default if getattr(args, p.dest) is None else getattr(args, p.dest) for p in (FANOUT_N, FANOUT_MS)
    )
    problems.append(total_wait_problem(n, ms, (FANOUT_N.option, FANOUT_MS.option)) or "")
    if args.baseline is not None and not (args.baseline / "summary.json").is_file():
        problems.append(f"--baseline {args.baseline}: no summary.json there")
    try:
        load_generator = generator.generator_of(args)
    except generator.GeneratorError as exc:
        problems.append(str(exc))
    problems = [p for p in problems if p]
    if problems:
        return fail("; ".join(problems))
    try:
        sweep = Sweep(users=args.users if len(args.users) > 1 else [], rates=args.rate, keys=set_swept)
        planned = {
            (sweep.name(c, p), s.name) for c in configs for s in scenarios for p in sweep.points(users)
        }
        names = list(dict.fromkeys([*(c.name for c in bases), *(c.name for c in configs)]))
        gate = gates.gates_of(args, names, [s.name for s in scenarios], planned)
    except ValueError as exc:  # CheckError, ResultsError: a bad gate is a usage error, before any start
        return fail(str(exc))
    try:  # last: it imports the user's app (in a process of its own), once the cheap checks passed
        apps = workload.check_targets(targets, scenarios)
    except workload.WorkloadError as exc:
        return fail(str(exc))
    out = args.out or Path("results") / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if (out / "summary.json").exists():
        return fail(f"{out} already holds a comparison; choose another --out (nothing is overwritten)")
    plan = Plan(
        configs=configs, scenarios=scenarios, users=users, duration_s=args.duration,
        warmup_s=args.warmup, repeat=args.repeat, out=out, options=options, pin=args.pin, port=args.port,
        targets=targets, apps=apps, locustfile=args.locustfile.resolve() if args.locustfile else None,
        calibrate_s=args.calibrate, generator=load_generator, sweep=sweep, host=args.server_host,
    )  # fmt: skip
    baseline = args.baseline

    def render(directory: Path) -> None:
        report.render(directory, baseline=baseline)

    comparison = Comparison(plan, render=render)
    # A PostgreSQL only for the db-* scenarios, for the whole run (LAB_DATABASE_URL: the user's own).
    (out / "logs").mkdir(parents=True, exist_ok=True)
    try:
        with postgres.database(
            any(s.kind == "db" for s in scenarios), log=out / "logs" / "postgres.log"
        ) as url:
            plan.server_env.update({postgres.DATABASE_URL_ENV: url} if url else {})
            completed = comparison.run()
    except postgres.PostgresError as exc:
        return fail(str(exc))
    verdicts = []
    if gate.active:  # after the run, on what it wrote; the report drawn again with the verdicts
        verdicts = judge(out, gate)
        render(out)
    print(report.summary_text(out))
    if baseline is not None and (out / "diff.md").is_file():
        print("\n" + (out / "diff.md").read_text(encoding="utf-8"), end="")
    if verdicts:
        print("\n" + "\n".join(lines(verdicts)))
    junit = f"\njunit:  {gate.junit}" if gate.junit is not None else ""
    print(f"\nreport: {out / 'report.html'}\ntable:  {out / 'summary.md'}{junit}")
    code = exit_status(comparison.cells, verdicts, interrupted=not completed)
    failed = [c for c in comparison.cells if c.status != "ok"]
    if code == 1:
        print(f"lab: {len(failed)} cell(s) failed (exit 1); reasons above and in the report", file=sys.stderr)
    elif code == 3:
        print("lab: a gate failed (exit 3): see Checks / Regressions above", file=sys.stderr)
    return code
