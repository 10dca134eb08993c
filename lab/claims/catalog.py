"""Loading `lab/claims.toml` (or a user's file): each entry parsed into `spec`'s models and checked
against the scenarios and configurations it names, every problem reported with where it is."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lab.claims.spec import ALWAYS, Claim, ClaimsError, Load, _apply, placeholders
from lab.shared.configs import ConfigError, ServerConfig, get, load_catalogue
from lab.shared.scenarios import UnknownScenarioError, get_scenario


def _semantic_problems(claim: Claim, catalogue: Mapping[str, ServerConfig]) -> list[str]:
    """What pydantic cannot see: names of configurations, scenarios, numbers; overrides that validate."""
    problems: list[str] = []
    experiments: dict[str | None, Any] = {}
    for variant in claim.variant:
        try:
            experiments[variant.id] = _apply(claim.experiment, variant.apply)
        except ValidationError as exc:
            problems += [f"variant.{variant.id}.apply.{_where(err)}: {err['msg']}" for err in exc.errors()]
    if problems:
        return problems
    experiments = experiments or {None: claim.experiment}
    for variant_id, experiment in experiments.items():
        where = "experiment" if variant_id is None else f"variant.{variant_id}"
        targets = [experiment] + (
            [experiment.target(a) for a in experiment.arms.values()] if isinstance(experiment, Load) else []
        )
        for target in targets:
            try:
                get(catalogue, target.config).with_overrides(target.overrides())
            except ConfigError as exc:
                problems.append(f"{where}: {exc}")
        if isinstance(experiment, Load):
            for name, arm in experiment.arms.items():
                try:
                    scenario = get_scenario(arm.scenario)
                except UnknownScenarioError as exc:
                    problems.append(f"{where}.arms.{name}.scenario: {exc}")
                    continue
                unknown = set(experiment.params) - {p.query for p in scenario.parameters}
                if unknown:
                    problems.append(
                        f"{where}.params: {', '.join(sorted(unknown))} is not a parameter of {arm.scenario!r}"
                    )
        for key, check in claim.rule.all_checks().items():
            for term in check.terms:
                if term is not None and term not in experiment.names() | set(ALWAYS):
                    known = ", ".join(sorted(experiment.names() | set(ALWAYS)))
                    problems.append(f"rule.{key}.measure: unknown number {term!r} (known: {known})")
    names = claim.names()
    for key in ("evidence", "condition"):
        for first, second, _ in placeholders(getattr(claim, key)):
            for term in (first, second):
                if term is not None and term not in names:
                    problems.append(f"{key}: unknown number {{{term}}} (known: {', '.join(sorted(names))})")
    return sorted(set(problems), key=problems.index)


def _where(err: Any) -> str:
    return ".".join(str(p) for p in err["loc"]) or "value"


def parse(tables: Any, origin: str, catalogue: Mapping[str, ServerConfig] | None = None) -> list[Claim]:
    """Every `[[claim]]` of a parsed claims file, validated; ClaimsError naming the entry otherwise."""
    entries = tables.get("claim") if isinstance(tables, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ClaimsError(f"{origin}: no [[claim]] entries")
    unknown = set(tables) - {"claim"}
    if unknown:
        raise ClaimsError(f"{origin}: unknown top-level key(s) {', '.join(sorted(unknown))}; only [[claim]]")
    catalogue = catalogue if catalogue is not None else load_catalogue()
    claims: list[Claim] = []
    problems: list[str] = []
    for position, entry in enumerate(entries, start=1):
        label = (
            f"claim {entry.get('id')!r}"
            if isinstance(entry, dict) and "id" in entry
            else f"entry #{position}"
        )
        try:
            claim = Claim.model_validate(entry)
        except ValidationError as exc:
            problems += [f"{label}: {_where(err)}: {err['msg']}" for err in exc.errors()]
            continue
        problems += [f"{label}: {p}" for p in _semantic_problems(claim, catalogue)]
        claims.append(claim)
    ids = [c.id for c in claims]
    problems += [
        f"claim {i}: id: used by more than one entry" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise ClaimsError(f"{origin}: " + ("\n  " if len(problems) > 1 else "") + "\n  ".join(problems))
    return claims


def load(path: str | Path | None = None, catalogue: Mapping[str, ServerConfig] | None = None) -> list[Claim]:
    """The claims of `path`, or the built-in `lab/claims.toml`."""
    if path is None:
        text, origin = (
            resources.files("lab").joinpath("claims.toml").read_text(encoding="utf-8"),
            "lab/claims.toml",
        )
    else:
        try:
            text, origin = Path(path).read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            raise ClaimsError(f"claims file not found: {path}") from None
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClaimsError(f"{origin} is not valid TOML: {exc}") from None
    return parse(tables, origin, catalogue)


def select(claims: list[Claim], only: str | None) -> list[Claim]:
    """The claims whose ids `only` lists ("1,3"), in file order; ClaimsError for an unknown id."""
    if not only:
        return claims
    try:
        wanted = [int(part) for part in only.split(",") if part.strip()]
    except ValueError:
        raise ClaimsError(f"--only {only!r}: expected claim ids like 1,3") from None
    known = {c.id for c in claims}
    missing = [i for i in wanted if i not in known]
    if missing or not wanted:
        raise ClaimsError(f"--only {only!r}: unknown claim id(s) {missing}; known: {sorted(known)}")
    return [c for c in claims if c.id in wanted]
