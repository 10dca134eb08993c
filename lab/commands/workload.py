"""What a comparison loads and serves, from the flags: scenarios (catalogue, a user's locustfile, or
`--endpoint`s) and the app under test. Every check here runs before any server starts (exit 2)."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.shared.configs import ServerConfig
from lab.shared.scenarios import Scenario, UnknownScenarioError, custom_scenarios, endpoint_scenario, select
from lab.shared.target import AppInfo, AppTarget, TargetError


class WorkloadError(ValueError):
    """Flags that do not make a comparison; the message says which and why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--locustfile",
        type=Path,
        metavar="FILE",
        help="your locustfile: each concrete User class is a scenario named as the class "
        "(--scenarios picks some)",
    )
    parser.add_argument(
        "--endpoint",
        dest="endpoints",
        action="append",
        default=[],
        metavar="'METHOD /path'",
        help="without a locustfile: one closed-loop scenario per endpoint, e.g. --endpoint 'GET /items/1' "
        "(repeatable)",
    )


def scenarios_of(args: argparse.Namespace, names: list[str], defaults: list[str]) -> list[Scenario]:
    """The scenarios the flags ask for: `names` (--scenarios) picked from the locustfile's classes, the
    endpoints, or the catalogue (`defaults` when no name is given)."""
    from lab.shared.scenarios import SCENARIOS

    if args.locustfile is not None and args.endpoints:
        raise WorkloadError("--locustfile and --endpoint: choose one (an endpoint is a scenario of its own)")
    try:
        if args.locustfile is not None:
            from lab.runtime.locustfile import LocustfileError, user_classes

            try:
                classes = user_classes(args.locustfile)
            except LocustfileError as exc:
                raise WorkloadError(str(exc)) from None
            return select(custom_scenarios(args.locustfile, classes), names)
        if args.endpoints:
            if names:
                raise WorkloadError("--scenarios picks from the catalogue or a --locustfile, not --endpoint")
            return [endpoint_scenario(spec) for spec in dict.fromkeys(args.endpoints)]
        return select(SCENARIOS, names or defaults)
    except UnknownScenarioError as exc:
        raise WorkloadError(str(exc)) from None
    except ValueError as exc:
        raise WorkloadError(str(exc)) from None


def targets_of(args: argparse.Namespace, configs: list[ServerConfig]) -> dict[str, AppTarget]:
    """The app each configuration serves (config name -> target): --app for all, else each one's own."""
    from lab.commands.common import target_of

    try:
        return {cfg.name: target_of(args, cfg) for cfg in configs}
    except TargetError as exc:
        raise WorkloadError(str(exc)) from None


def check_targets(targets: dict[str, AppTarget], scenarios: list[Scenario]) -> dict[AppTarget, AppInfo]:
    """Import each user app once, in a process of its own; the catalogue's scenarios need the catalogue."""
    from lab.commands.common import check_target

    users = {t for t in targets.values() if not t.is_catalogue}
    catalogue_scenarios = [s.name for s in scenarios if s.kind not in ("custom", "endpoint")]
    if users and catalogue_scenarios:
        raise WorkloadError(
            f"the catalogue's scenarios ({', '.join(catalogue_scenarios)}) request the lab's own endpoints, "
            "not your app's: give --locustfile FILE or --endpoint 'GET /path'"
        )
    found: dict[AppTarget, AppInfo] = {}
    for target in sorted(users, key=lambda t: t.app):
        try:
            found[target] = check_target(target)
        except TargetError as exc:
            raise WorkloadError(str(exc)) from None
    return found
