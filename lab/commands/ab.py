"""Measure two versions of your app side by side and judge B against A (issue 22).

A_DIR and B_DIR are two copies of the app (two checkouts, two `git worktree`s): each run serves
--app from one of them, with the same configuration, scenarios and load. By default each round runs A
and B at the same time (duet), so what slows the machine slows both; --mode sequential runs one at a
time, interleaved (A B, B A, ...). Per scenario: the ratio B/A of req/s, p95 and CPU per request with 95%
confidence intervals, a p-value and a verdict (faster, slower, no difference).
Writes ab.json, ab.md and report.html, and each run's `lab compare` result under runs/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from lab.commands import generator, workload
from lab.commands.common import add_configs_file, fail
from lab.commands.compare import parse_duration
from lab.compare.ab.cores import SWAP_S

if TYPE_CHECKING:
    from lab.compare.ab.result import Side
    from lab.compare.ab.session import Gate
    from lab.compare.run.plan import Plan

DEFAULT_CONFIG = "uvicorn-single"
ROUNDS = (3, 50)
EXIT_STATUSES = {
    0: "every run measured, and B is no regression",
    1: "a run's cell failed (its reason is in that run's report; the rounds went on)",
    2: "usage error: a directory, the app, a name or a value that cannot be (nothing started)",
    3: "B is significantly slower than A by more than --fail-on-regression PCT",
    130: "interrupted (Ctrl-C): the rounds that completed are judged and written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a_dir", type=Path, metavar="A_DIR", help="the app's directory, version A (the base)")
    parser.add_argument("b_dir", type=Path, metavar="B_DIR", help="the app's directory, version B")
    parser.add_argument("--app", required=True, metavar="MODULE:ATTR", help="the ASGI app in each directory")
    parser.add_argument(
        "--factory", action="store_true", help="MODULE:ATTR is a function that builds the app"
    )
    parser.add_argument("--metrics-path", default="/metrics", metavar="PATH", help="(default: /metrics)")
    workload.add_arguments(parser)
    parser.add_argument("--scenarios", help="the locustfile's User classes to run (default: all)")
    parser.add_argument(
        "--configs", default=DEFAULT_CONFIG, metavar="NAME",
        help=f"one configuration (default: {DEFAULT_CONFIG})",
    )  # fmt: skip
    add_configs_file(parser)
    parser.add_argument("--users", type=int, default=20, help="concurrent Locust users (default: 20)")
    parser.add_argument(
        "--duration", type=parse_duration, default=5.0, help="measured time per run (default: 5s)"
    )
    parser.add_argument("--warmup", type=parse_duration, default=1.0, help="warm-up per run (default: 1s)")
    parser.add_argument(
        "--rounds", type=int, default=5, help=f"rounds of A and B, {ROUNDS[0]} to {ROUNDS[1]} (default: 5)"
    )
    parser.add_argument(
        "--mode", choices=["duet", "sequential"], default="duet",
        help="duet: A and B at the same time in each round, each with its own server and Locust; "
        "sequential: one at a time, interleaved (default: duet)",
    )  # fmt: skip
    parser.add_argument(
        "--swap-every", type=parse_duration, default=SWAP_S, metavar="DURATION",
        help="duet: each side on its own half of the cores, the halves swapped this often, so that neither "
        f"gets the faster cores; 0: both share every core (default: {SWAP_S * 1000:.0f}ms)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, help="result directory (default: results/ab-<timestamp>)")
    parser.add_argument(
        "--fail-on-regression", metavar="PCT",
        help="exit 3 when B is significantly slower (req/s down, p95 or CPU per request up) by more "
        "than PCT percent",
    )  # fmt: skip
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML (as lab compare's)")
    parser.add_argument("--pin", choices=["auto", "on", "off"], default="auto", help="(default: auto)")
    generator.add_arguments(parser)


def _problems(args: argparse.Namespace) -> list[str]:
    """The cheap checks of the flags and the directories, each problem found."""
    return [
        *(f"{d}: no such directory" for d in (args.a_dir, args.b_dir) if not d.is_dir()),
        f"--rounds {args.rounds}: must be between {ROUNDS[0]} and {ROUNDS[1]}"
        if not ROUNDS[0] <= args.rounds <= ROUNDS[1]
        else "",
        "--configs: one configuration (an A/B compares apps, not servers)" if "," in args.configs else "",
        f"--junit {args.junit}: no directory {args.junit.parent}"
        if args.junit is not None and not args.junit.parent.resolve().is_dir()
        else "",
        f"{args.out}: already holds an A/B; choose another --out (nothing is overwritten)"
        if (args.out / "ab.json").exists()
        else "",
    ]


def _plan(args: argparse.Namespace, directory: Path, side: str) -> Plan:
    """The one-configuration comparison each run of `side` is (PlanError, ConfigError, WorkloadError)."""
    from lab.compare.run.asked import Asked, build
    from lab.compare.run.gates import Gates
    from lab.shared.configs import get, load_catalogue
    from lab.shared.target import AppTarget

    config = get(load_catalogue(args.configs_file), args.configs.strip())
    names = [n.strip() for n in (args.scenarios or "").split(",") if n.strip()]
    scenarios = workload.scenarios_of(args, names, [])
    target = AppTarget(args.app, bool(args.factory), str(directory.resolve()), args.metrics_path)
    asked = Asked(
        bases=[config], configs=[config], set_swept={}, scenarios=scenarios, targets={config.name: target},
        custom=True, users=[args.users], rates=[], repeat=1, duration_s=args.duration, warmup_s=args.warmup,
        calibrate_s=0, out=args.out / "runs" / f"{side}0", generator=lambda: generator.generator_of(args),
        gates_of=lambda *_: Gates(), apps_of=workload.check_targets, pin=args.pin, host=args.server_host,
        locustfile=args.locustfile.resolve() if args.locustfile else None,
    )  # fmt: skip
    return build(asked)


def _plans(args: argparse.Namespace) -> dict[Side, Plan]:
    """Both sides' plans at once: each imports its app in a process of its own (lab.runtime.appcheck),
    a second or more each, and the two imports need not wait for each other (A's error first, as before)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.submit(_plan, args, args.a_dir, "A"), pool.submit(_plan, args, args.b_dir, "B")
        return {"A": a.result(), "B": b.result()}


def _gate(args: argparse.Namespace) -> Gate:
    from lab.compare.ab.session import Gate
    from lab.compare.report.diff import parse_percent

    pct = None if args.fail_on_regression is None else parse_percent(args.fail_on_regression)
    return Gate(pct, args.junit)


def run(args: argparse.Namespace) -> int:
    from lab.compare.ab import duet, page, rounds
    from lab.compare.ab.cores import split_of
    from lab.compare.ab.result import AbMeta
    from lab.compare.ab.session import ab
    from lab.compare.run.plan import PlanError
    from lab.shared.configs import ConfigError
    from lab.shared.cores import usable_cpus
    from lab.shared.provenance import utc_now
    from lab.shared.target import TargetError
    from lab.stats.bootstrap import LEVEL
    from lab.stats.significance import ALPHA

    args.out = args.out or Path("results") / dt.datetime.now().strftime("ab-%Y%m%d-%H%M%S")
    if args.locustfile is None and not args.endpoints:
        return fail("give --locustfile FILE or --endpoint 'GET /path': what to send to each version")
    problems = [p for p in _problems(args) if p]
    if problems:
        return fail("; ".join(problems))
    try:
        gate = _gate(args)
        plans = _plans(args)
    except (ConfigError, workload.WorkloadError, PlanError, TargetError, ValueError) as exc:
        return fail(str(exc))
    plan = plans["A"]
    split = split_of(args.swap_every, usable_cpus()) if args.mode == "duet" else None
    cores = duet.Cores(split, args.swap_every)
    meta = AbMeta(
        a_dir=str(args.a_dir), b_dir=str(args.b_dir), app=args.app, config=plan.configs[0].name,
        users=args.users, duration_s=args.duration, warmup_s=args.warmup, mode=args.mode, rounds=args.rounds,
        order=[side for _, side in rounds.order(args.rounds)], alpha=ALPHA, level=LEVEL,
        fail_on_regression_pct=gate.pct, started=utc_now(),
        swap_every_s=args.swap_every if cores.split else None,
        cores={side: cores.split.of(side, 0)[0] for side in ("A", "B")} if cores.split else None,
    )  # fmt: skip
    found, code = ab(plans, meta, args.out, gate, cores)
    print("\n" + page.table(found), end="")
    junit = f"\njunit:  {gate.junit}" if gate.junit is not None else ""
    print(f"\nreport: {args.out / 'report.html'}\nab.json: {args.out / 'ab.json'}{junit}")
    if code == 3:
        print("lab: B is a regression (exit 3): see the verdicts above", file=sys.stderr)
    elif code == 1:
        print("lab: a run's cell failed (exit 1): see its report under runs/", file=sys.stderr)
    return code
