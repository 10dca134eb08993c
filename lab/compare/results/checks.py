"""Gates on a comparison's cells (issue 12 §3): `--check EXPR` and the `[checks]` table of a TOML file.

An expression is `[SCOPE:]FIELD OP NUMBER`:

- FIELD is a numeric field of a cell (`rps`, `p95_ms`, `efficiency`, ... see `FIELDS`) or `failure_ratio`
  (failures / requests);
- OP is one of `<`, `<=`, `>`, `>=`, `==`;
- SCOPE (optional) is a configuration or a scenario of the plan (`io-async:p95_ms<150`,
  `gunicorn-multi:rps>900`), or both, configuration first (`gunicorn-multi:io-async:rps>900`). A
  configuration's name also scopes the cells swept from it (`uvicorn-single` covers
  `uvicorn-single[threadpool=8]`). Without a scope the check applies to every cell.

A check is judged on every cell of its scope: it passes when the cell's value satisfies the bound. A cell
that failed is skipped (the run exits 1 for it anyway); a value the cell did not record (e.g. efficiency
where the model has no ceiling) fails the check, since a gate that passes on no data is no gate.

Parsing happens before anything starts (a `CheckError` is a usage error, exit 2); `evaluate` works on any
list of cells, so it judges a saved result directory as well as a run just finished.
"""

from __future__ import annotations

import operator
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lab.compare.results.summary import Cell
from lab.compare.results.verdicts import Verdict

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}
DERIVED = {"failure_ratio": "failures / requests"}
EVERY_CELL = "*"  # the key of the [checks] table for checks without a scope
_EXPR = re.compile(
    r"^(?:(?P<scope>.+):)?\s*(?P<field>[a-z_][a-z0-9_]*)\s*(?P<op><=|>=|==|<|>)\s*"
    r"(?P<bound>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


class CheckError(ValueError):
    """An expression or a checks file the lab cannot use; the message says which and why."""


def _numeric(annotation: object) -> bool:
    """int, float, or either | None (bool, a subclass of int, is not a number to bound)."""
    if annotation in (int, float):
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and args[0] in (int, float)
    return False


FIELDS: tuple[str, ...] = (
    *(name for name, info in Cell.model_fields.items() if _numeric(info.annotation)),
    *DERIVED,
)


@dataclass(frozen=True)
class Check:
    """One parsed expression: which cells, which field, which bound."""

    expr: str
    field: str
    op: str
    bound: float
    config: str | None = None
    scenario: str | None = None

    @property
    def scope(self) -> str | None:
        parts = [p for p in (self.config, self.scenario) if p]
        return ":".join(parts) or None

    def covers(self, cell: Cell) -> bool:
        return (self.scenario is None or cell.scenario == self.scenario) and (
            self.config is None or config_matches(self.config, cell.config)
        )


def config_matches(name: str, config: str) -> bool:
    """`name` is the cell's configuration or the one it was swept from (`base[key=value]`)."""
    return config == name or config.startswith(name + "[")


def _scope(scope: str, configs: Sequence[str], scenarios: Sequence[str]) -> tuple[str | None, str | None]:
    """(config, scenario) a scope names: one of the plan's configurations or scenarios, or both."""
    if scope in configs:  # a name that is both a configuration and a scenario: the configuration
        return scope, None
    if scope in scenarios:
        return None, scope
    for i, char in enumerate(scope):  # CONFIG:SCENARIO (a user's scenario name may hold a ':')
        if char == ":" and scope[:i] in configs and scope[i + 1 :] in scenarios:
            return scope[:i], scope[i + 1 :]
    raise CheckError(
        f"unknown scope {scope!r}: a configuration ({', '.join(configs) or 'none'}) or a scenario "
        f"({', '.join(scenarios) or 'none'}) of this run, or CONFIG:SCENARIO"
    )


def parse(text: str, configs: Sequence[str], scenarios: Sequence[str]) -> Check:
    """`[SCOPE:]FIELD OP NUMBER` against the planned configuration and scenario names."""
    match = _EXPR.match(text.strip())
    if not match:
        raise CheckError(
            f"--check {text!r}: expected [SCOPE:]FIELD OP NUMBER with OP one of "
            f"{' '.join(OPERATORS)}, e.g. p95_ms<200 or io-async:rps>=500"
        )
    field = match["field"]
    if field not in FIELDS:
        raise CheckError(f"--check {text!r}: unknown field {field!r}; valid: {', '.join(FIELDS)}")
    config, scenario = None, None
    if match["scope"]:
        try:
            config, scenario = _scope(match["scope"].strip(), configs, scenarios)
        except CheckError as exc:
            raise CheckError(f"--check {text!r}: {exc}") from None
    return Check(text.strip(), field, match["op"], float(match["bound"]), config, scenario)


def parse_all(texts: Iterable[str], configs: Sequence[str], scenarios: Sequence[str]) -> list[Check]:
    return [parse(text, configs, scenarios) for text in texts]


def read_file(path: Path) -> list[str]:
    """The expressions of a checks file: a `[checks]` table whose keys are scopes (`"*"` = every cell)
    and whose values are one expression without its scope or a list of them:

        [checks]
        "*" = ["failure_ratio < 0.01", "p95_ms < 500"]
        io-async = "p95_ms < 150"
        "gunicorn-multi:io-sync" = ["rps > 900"]
    """
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CheckError(f"--checks-file {path}: not found") from None
    except OSError as exc:
        raise CheckError(f"--checks-file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CheckError(f"--checks-file {path}: not valid TOML: {exc}") from None
    table = data.get("checks")
    others = [key for key in data if key != "checks"]
    if not isinstance(table, dict) or others:
        raise CheckError(f"--checks-file {path}: expected only a [checks] table (found: {', '.join(data)})")
    texts = []
    for scope, value in table.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise CheckError(f"--checks-file {path}: [checks] {scope}: a string or a list of strings")
        texts += [i if scope == EVERY_CELL else f"{scope}:{i}" for i in items]
    return texts


def measured(cell: Cell, field: str) -> float | None:
    """The value a check reads: a numeric field of the cell, or a derived one."""
    if field == "failure_ratio":
        if cell.requests is None or cell.failures is None or cell.requests == 0:
            return None
        return cell.failures / cell.requests
    value = getattr(cell, field)
    return None if value is None else float(value)


def judge(check: Check, cell: Cell) -> Verdict:
    value = measured(cell, check.field) if cell.status == "ok" else None
    base = {
        "kind": "check", "name": check.expr, "config": cell.config, "scenario": cell.scenario,
        "field": check.field, "op": check.op, "bound": check.bound, "value": value,
    }  # fmt: skip
    if cell.status != "ok":
        return Verdict(**base, outcome="skipped", message=f"{cell.label} failed: not judged")
    if value is None:
        return Verdict(**base, outcome="failed", message=f"{cell.label}: {check.field} was not measured")
    passed = OPERATORS[check.op](value, check.bound)
    shown = f"{value:.4g}"
    message = (
        f"{cell.label}: {check.field} = {shown}, bound {check.op} {check.bound:g}"
        f" ({'passed' if passed else 'failed'})"
    )
    return Verdict(**base, outcome="passed" if passed else "failed", message=message)


def evaluate(checks: Sequence[Check], cells: Sequence[Cell]) -> list[Verdict]:
    """Every check on every cell of its scope, in the order the checks were given."""
    return [judge(check, cell) for check in checks for cell in cells if check.covers(cell)]
