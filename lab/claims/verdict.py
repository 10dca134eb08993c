"""From numbers to a verdict: the claim's checks per variant, its limits, and its sentences filled in.

- no variant passes `holds_if`: "does not hold";
- some variants pass and others do not: "holds only when <rule.only_when>";
- every variant passes, but a limit fails: "holds only when <limit.only_when>";
- otherwise: "holds".
A requirement that fails (the machine could not give what the experiment needs, e.g. a free core)
overrides all of these: "inconclusive: needs <requirement.needs>", rather than a verdict noise made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lab.claims.records import CheckRecord
from lab.claims.spec import PLACEHOLDER, Check, Claim
from lab.shared.output import fmt

Numbers = dict[str, float | None]
NOT_MEASURED = "not measured"
INCONCLUSIVE = "inconclusive"


@dataclass
class Outcome:
    verdict: str
    evidence: str
    condition: str
    checks: list[CheckRecord] = field(default_factory=list)


def value(numbers: Numbers, measure: tuple[str, str | None]) -> float | None:
    """A number, or the ratio of two (None if either is missing or the divisor is zero)."""
    name, over = measure
    top = numbers.get(name)
    if over is None or top is None:
        return top
    bottom = numbers.get(over)
    return None if not bottom else top / bottom


def passes(check: Check, measured: float | None) -> bool:
    if measured is None:
        return False
    return measured >= check.at_least if check.at_least is not None else measured <= (check.at_most or 0.0)


def fill(template: str, numbers: Numbers) -> str:
    """`{name}`, `{a / b}` and `{name:.1f}` replaced by the numbers (3 significant digits by default)."""

    def one(match: Any) -> str:
        measured = value(numbers, (match.group(1), match.group(2)))
        if measured is None:
            return "n/a"
        return format(measured, match.group(3)) if match.group(3) else fmt(float(measured))

    return PLACEHOLDER.sub(one, template)


def machine(numbers: Numbers) -> str:
    """The machine the numbers come from, and who else used its cores."""
    cores = int(numbers.get("cores") or 0)
    generator = [v for k, v in numbers.items() if k.endswith("generator_cores") and v is not None]
    if not generator:
        return f"{cores} cores"
    return f"{cores} cores shared with the load generator, which used up to {max(generator):.2f} of them"


def judge(claim: Claim, numbers: Numbers) -> Outcome:
    variants: list[str | None] = [v.id for v in claim.variant] or [None]
    checks: list[CheckRecord] = []
    passing: list[str | None] = []
    failed_limits: list[str] = []
    unmet: list[str] = []
    for variant in variants:
        scope = numbers if variant is None else _scoped(numbers, variant)
        for requirement in claim.rule.requires:
            measured = value(scope, requirement.terms)
            checks.append(_record(variant, requirement, measured, "requires"))
            if not passes(requirement, measured) and requirement.needs not in unmet:
                unmet.append(requirement.needs)
        ok = True
        for check in claim.rule.holds_if:
            measured = value(scope, check.terms)
            ok &= passes(check, measured)
            checks.append(_record(variant, check, measured, "holds_if"))
        if ok:
            passing.append(variant)
            for limit in claim.rule.limits:
                measured = value(scope, limit.terms)
                checks.append(_record(variant, limit, measured, "limit"))
                if not passes(limit, measured) and limit.only_when not in failed_limits:
                    failed_limits.append(limit.only_when)
    if unmet:
        verdict = f"{INCONCLUSIVE}: needs {' and '.join(unmet)}"
    elif not passing:
        verdict = "does not hold"
    elif len(passing) < len(variants):
        verdict = f"holds only when {claim.rule.only_when}"
    elif failed_limits:
        verdict = f"holds only when {' and '.join(failed_limits)}"
    else:
        verdict = "holds"
    evidence = fill(claim.evidence, numbers).rstrip().rstrip(".") + f" ({machine(numbers)})."
    return Outcome(verdict, evidence, fill(claim.condition, numbers), checks)


def _scoped(numbers: Numbers, variant: str) -> Numbers:
    prefix = f"{variant}."
    scoped = {k.removeprefix(prefix): v for k, v in numbers.items() if k.startswith(prefix)}
    return {**{k: v for k, v in numbers.items() if "." not in k}, **scoped}


def _record(variant: str | None, check: Check, measured: float | None, role: str) -> CheckRecord:
    return CheckRecord(
        variant=variant,
        role=role,
        rule=check.describe(),
        value=None if measured is None else round(measured, 4),
        passed=passes(check, measured),
    )
