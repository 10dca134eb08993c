"""What `lab compare` was asked for, checked before anything starts: `build` turns an `Asked` into a `Plan`.

The command line parses its flags into an `Asked` (typed values, nothing judged yet); every rule of a
valid comparison lives here: the --set sweep of the configurations, the bounds of the load, the cells'
durations and the scenarios' parameters, the baseline, the gates against the planned cells, the user's
app (imported once, in a process of its own, last: the cheap checks first) and the result directory.
`PlanError` (a usage error, exit 2) says every problem found at that stage, joined by "; ".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from lab.compare.run.gates import Gates
from lab.compare.run.plan import MAX_FAILURE_RATIO, Plan, PlanError
from lab.compare.run.points import Sweep
from lab.runtime.generator import Generator
from lab.shared.configs import ConfigError, ServerConfig
from lab.shared.cores import Pin
from lab.shared.scenarios import FANOUT_MS, FANOUT_N, PARAMETERS, Scenario, total_wait_problem
from lab.shared.service import EXTERNAL, Service
from lab.shared.target import AppInfo, AppTarget

SWEEP_KEYS = ("workers", "threadpool", "process_pool", "loop", "http", "server", "db_pool")

# What the command line reads from its own flags once the plan's names are known: the gates (--check,
# --fail-on-regression, --junit against the configurations, scenarios and planned cells) and the apps
# (each user app imported in a process of its own). Each raises ValueError naming the bad flag.
GatesOf = Callable[[Sequence[str], Sequence[str], set[tuple[str, str]]], Gates]
AppsOf = Callable[[dict[str, AppTarget], list[Scenario]], dict[AppTarget, AppInfo]]


def names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def swept_configs(
    configs: list[ServerConfig], pairs: list[str]
) -> tuple[list[ServerConfig], dict[str, list[str]]]:
    """Each configuration once per combination of the --set values, and the swept keys with their
    values; ConfigError (exit 2) for an unknown key or a bad value, before anything starts."""
    keys: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, values = pair.partition("=")
        key = key.strip()
        if not sep or not key or not names(values):
            raise ConfigError(f"--set {pair!r}: expected KEY=V1[,V2...], e.g. threadpool=4,8")
        if key not in SWEEP_KEYS:
            raise ConfigError(f"--set {key}: not a key to sweep (valid: {', '.join(SWEEP_KEYS)})")
        keys[key] = list(dict.fromkeys(names(values)))
    found: list[ServerConfig] = []
    for cfg in configs:
        for combination in itertools.product(*keys.values()):
            found.append(cfg.with_overrides(dict(zip(keys, combination, strict=True))))
    return list({c.name: c for c in found}.values()), keys


@dataclass(frozen=True)
class Asked:
    """The flags of `lab compare`, parsed: configurations (after --set), scenarios, targets, the load."""

    bases: list[ServerConfig]  # the configurations named, before --set
    configs: list[ServerConfig]
    set_swept: dict[str, list[str]]
    scenarios: list[Scenario]
    targets: dict[str, AppTarget]
    custom: bool  # the scenarios come from --locustfile or --endpoint
    users: list[int]
    rates: list[float]
    repeat: int
    duration_s: float
    warmup_s: float
    calibrate_s: float | None
    out: Path
    generator: Callable[[], Generator]  # the load generator's flags read; ValueError names the bad one
    gates_of: GatesOf
    apps_of: AppsOf
    parameters: dict[str, int] = field(default_factory=dict)  # e.g. {"--io-ms": 100}, the ones given
    baseline: Path | None = None
    port: int | None = None
    pin: Pin = "auto"
    host: str = "127.0.0.1"
    locustfile: Path | None = None
    max_failure_ratio: float = MAX_FAILURE_RATIO
    repeat_auto: bool = False  # --repeat auto: `repeat` is the cap
    service: Service | None = None  # lab run: the running service (its one configuration stands for it)
    verify: bool = False


def _bounds(asked: Asked) -> list[str]:
    """The load, the repeats, the durations and the port, each within its bounds."""
    calibrate, port = asked.calibrate_s, asked.port
    return [
        *(f"--users {u}: must be between 1 and 5000" for u in asked.users if not 1 <= u <= 5000),
        *(f"--rate {r:g}: must be between 0.1 and 100000 req/s" for r in asked.rates if not 0.1 <= r <= 1e5),
        "--rate drives the lab's own users: your locustfile's (or --endpoint's) pace is its wait_time"
        if asked.rates and asked.custom
        else "",
        f"--repeat {asked.repeat}: must be between 1 and 20" if not 1 <= asked.repeat <= 20 else "",
        "--duration: must be between 1 s and 1 h" if not 1 <= asked.duration_s <= 3600 else "",
        "--warmup: must be between 0 and 10 min" if not 0 <= asked.warmup_s <= 600 else "",
        "--calibrate: must be 0 (off) or between 1 s and 10 min"
        if calibrate is not None and not (calibrate == 0 or 1 <= calibrate <= 600)
        else "",
        f"--port {port}: must be between 1 and 65535" if port is not None and not 0 < port < 65536 else "",
        f"--max-failure-ratio {asked.max_failure_ratio:g}: must be between 0 and 1"
        if not 0 <= asked.max_failure_ratio <= 1
        else "",
    ]


def _options(asked: Asked) -> tuple[dict[str, str], list[str]]:
    """The scenarios' parameters given (Locust options), and those out of their bounds."""
    options, problems = {}, []
    for p in PARAMETERS:
        value = asked.parameters.get(p.option)
        if value is not None:
            low, high = p.bounds
            if not low <= value <= high:
                problems.append(f"{p.option} {value}: must be between {low} and {high}")
            options[p.option] = str(value)
    n, ms = (int(asked.parameters.get(p.option, p.default)) for p in (FANOUT_N, FANOUT_MS))
    problems.append(total_wait_problem(n, ms, (FANOUT_N.option, FANOUT_MS.option)) or "")
    return options, problems


def _checked(asked: Asked) -> tuple[dict[str, str], Generator]:
    """Every cheap check at once (PlanError lists each problem): the options and the generator."""
    if not asked.configs or not asked.scenarios:
        raise PlanError("--configs and --scenarios need at least one name each")
    options, parameter_problems = _options(asked)
    problems = _bounds(asked) + parameter_problems
    if asked.service is None:
        problems += [f"configuration {c.name!r} is a running service ({EXTERNAL}): measure it with lab run "
                     "--host URL" for c in asked.configs if c.server == EXTERNAL]  # fmt: skip
    if asked.baseline is not None and not (asked.baseline / "summary.json").is_file():
        problems.append(f"--baseline {asked.baseline}: no summary.json there")
    generator = None
    try:
        generator = asked.generator()
    except ValueError as exc:
        problems.append(str(exc))
    problems = [p for p in problems if p]
    if problems or generator is None:
        raise PlanError("; ".join(problems))
    return options, generator


def build(asked: Asked) -> Plan:
    """The Plan `asked` describes, or PlanError (exit 2) before anything starts."""
    options, generator = _checked(asked)
    users = asked.users[0]
    sweep = Sweep(users=asked.users if len(asked.users) > 1 else [], rates=asked.rates, keys=asked.set_swept)
    plan = Plan(
        configs=asked.configs, scenarios=asked.scenarios, users=users, duration_s=asked.duration_s,
        warmup_s=asked.warmup_s, repeat=asked.repeat, out=asked.out, options=options, pin=asked.pin,
        port=asked.port, targets=asked.targets, locustfile=asked.locustfile, calibrate_s=asked.calibrate_s,
        generator=generator, sweep=sweep, host=asked.host, baseline=asked.baseline,
        max_failure_ratio=asked.max_failure_ratio, service=asked.service, verify=asked.verify,
        repeat_auto=asked.repeat_auto,
    )  # fmt: skip
    try:  # a bad gate (CheckError, ResultsError) is a usage error, before any start
        named = list(dict.fromkeys([*(c.name for c in asked.bases), *(c.name for c in asked.configs)]))
        gates = asked.gates_of(named, [s.name for s in asked.scenarios], plan.planned())
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    try:  # last: it imports the user's app (in a process of its own), once the cheap checks passed
        apps = asked.apps_of(asked.targets, asked.scenarios)
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    if (asked.out / "summary.json").exists():
        raise PlanError(
            f"{asked.out} already holds a comparison; choose another --out (nothing is overwritten)"
        )
    return replace(plan, gates=gates, apps=apps)
