"""The claims as data: typed models of `lab/claims.toml`, loaded and checked entry by entry.

A claim names an experiment (a kind from `KINDS`, with its parameters), optional variants (the same
experiment under other settings, e.g. fewer thread-pool tokens), and a rule: checks on the numbers the
experiment measures. Numbers are named `metric` (`concurrency`), `arm.metric` (`def.rps`) and, in the
evidence and condition sentences, prefixed with the variant (`one_token.concurrency`).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lab.shared.scenarios import QUERY_BOUNDS

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
UrlPath = Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_.\-]*(\?[A-Za-z0-9=&_.\-]*)?$")]
# The app's own bounds (lab.shared.scenarios.QUERY_BOUNDS), but at least 1: the experiments divide by it.
Ms = Annotated[int, Field(ge=1, le=QUERY_BOUNDS["ms"][1])]
# A number in a template: `name` or `name / name`, with an optional format spec (`{a / b:.2f}`).
PLACEHOLDER = re.compile(r"\{\s*([A-Za-z0-9_.\-]+)(?:\s*/\s*([A-Za-z0-9_.\-]+))?\s*(?::([^{}]*))?\}")
ALWAYS = ("cores",)  # numbers every claim has


class ClaimsError(ValueError):
    """A claims file the lab cannot use; the message names the entry and the key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Model):
    """Where an experiment runs: a configuration of the catalogue with `--set`-style overrides."""

    config: str = "uvicorn-single"
    set: dict[str, str | int] = Field(default_factory=dict)

    def overrides(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.set.items()}


class Burst(Target):
    """`requests` concurrent GETs of `path?ms=ms` at once: how many did the server serve at a time?"""

    kind: Literal["burst"]
    path: UrlPath
    ms: Ms
    requests: int = Field(ge=1, le=200)
    repeats: int = Field(2, ge=1, le=10)

    def names(self) -> builtins.set[str]:
        return {"concurrency", "wall_ms", "latency_p50_ms", "latency_max_ms", "queue_rounds", "waiting_max",
                "tokens", "requests", "ms"}  # fmt: skip


class LoopProbe(Target):
    """One `path?ms=ms` request in flight; `delay_ms` later, how long does an unrelated `probe` take?"""

    kind: Literal["loop-probe"]
    path: UrlPath
    ms: Ms
    probe: UrlPath = "/health"
    delay_ms: int = Field(200, ge=0, le=2000)
    repeats: int = Field(3, ge=1, le=10)

    @model_validator(mode="after")
    def _check(self) -> LoopProbe:
        if self.delay_ms >= self.ms:
            raise ValueError(f"delay_ms ({self.delay_ms}) must be shorter than ms ({self.ms})")
        return self

    def names(self) -> builtins.set[str]:
        return {"probe_ms", "background_ms", "blocked_fraction", "ms"}


class Timing(Target):
    """Each of `paths` requested alone, `repeats` times: its median wall time."""

    kind: Literal["timing"]
    paths: dict[Identifier, UrlPath] = Field(min_length=1)
    repeats: int = Field(3, ge=1, le=10)

    def names(self) -> builtins.set[str]:
        return {f"{label}.ms" for label in self.paths}


class Arm(_Model):
    """One side of a load comparison: a scenario, on the experiment's configuration unless given."""

    scenario: str
    config: str | None = None
    set: dict[str, str | int] | None = None


LOAD_METRICS = ("rps", "p50_ms", "p95_ms", "probe_ms", "lag_p99_ms", "server_cores", "cpu_ms_per_request",
                "generator_cores", "workers_busy", "unbalanced_launches", "failures")  # fmt: skip


class Load(Target):
    """Each arm under `users` Locust users for `seconds`, an unrelated `probe` timed meanwhile."""

    kind: Literal["load"]
    arms: dict[Identifier, Arm] = Field(min_length=1)
    users: int = Field(ge=1, le=500)
    seconds: float = Field(ge=2, le=120)
    params: dict[str, int] = Field(default_factory=dict)  # query parameters, e.g. {ms = 20}
    probe: UrlPath = "/health"
    spread_retries: int = Field(0, ge=0, le=5)  # fresh launches when one worker took all the load

    def target(self, arm: Arm) -> Target:
        return Target(config=arm.config or self.config, set=self.set if arm.set is None else arm.set)

    def names(self) -> builtins.set[str]:
        return {f"{arm}.{metric}" for arm in self.arms for metric in LOAD_METRICS} | {"users", *self.params}


Experiment = Annotated[Burst | LoopProbe | Timing | Load, Field(discriminator="kind")]
KINDS = ("burst", "loop-probe", "timing", "load")


class Check(_Model):
    """`measure` (a number, or `a / b`) must be at least or at most a threshold."""

    measure: str
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Check:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least or at_most")
        return self

    @property
    def terms(self) -> tuple[str, str | None]:
        name, _, over = self.measure.partition("/")
        return name.strip(), over.strip() or None

    def describe(self) -> str:
        return (
            f"{self.measure} >= {self.at_least:g}"
            if self.at_most is None
            else f"{self.measure} <= {self.at_most:g}"
        )


class Limit(Check):
    """A check on the claim's unstated assumption: when it fails, the claim holds only when `only_when`."""

    only_when: str = Field(min_length=1)


class Requirement(Check):
    """A check on the machine, not the claim: when it fails the run cannot judge the claim (`needs`)."""

    needs: str = Field(min_length=1)


class Rule(_Model):
    holds_if: list[Check] = Field(min_length=1)
    only_when: str | None = None  # the verdict when some variants pass and others do not
    limits: list[Limit] = Field(default_factory=list)
    requires: list[Requirement] = Field(default_factory=list)

    def all_checks(self) -> dict[str, Check]:
        """Every check by its key in the file (`holds_if[0]`, `limits[1]`, `requires[0]`)."""
        return {
            f"{key}[{i}]": c
            for key in ("holds_if", "limits", "requires")
            for i, c in enumerate(getattr(self, key))
        }


class Variant(_Model):
    """The experiment again with `apply` merged over its parameters (tables merge key by key)."""

    id: Identifier
    label: str = Field(min_length=1)
    apply: dict[str, Any] = Field(default_factory=dict)


class Claim(_Model):
    id: int = Field(ge=1)
    quote: str = Field(min_length=1)
    source: str = Field(min_length=1)  # the article's title
    passage: str = Field(min_length=1)  # the article's own words
    experiment: Experiment
    variant: list[Variant] = Field(default_factory=list)
    rule: Rule
    evidence: str = Field(min_length=1)  # template: one sentence with the numbers
    condition: str = Field(min_length=1)  # template: when the verdict flips

    @model_validator(mode="after")
    def _check(self) -> Claim:
        ids = [v.id for v in self.variant]
        if len(set(ids)) != len(ids):
            raise ValueError(f"variant ids must be unique, got {ids}")
        if len(self.variant) > 1 and not self.rule.only_when:
            raise ValueError("rule.only_when is required when there are several variants")
        return self

    def experiments(self) -> dict[str | None, Burst | LoopProbe | Timing | Load]:
        """The experiment of each variant (key None when the claim has no variants)."""
        if not self.variant:
            return {None: self.experiment}
        return {v.id: _apply(self.experiment, v.apply) for v in self.variant}

    def names(self) -> builtins.set[str]:
        """Every number the evidence and condition may name."""
        found = set(ALWAYS)
        for variant, experiment in self.experiments().items():
            found |= {n if variant is None else f"{variant}.{n}" for n in experiment.names()}
        return found


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _apply(experiment: BaseModel, changes: Mapping[str, Any]) -> Any:
    data = _merge(experiment.model_dump(), changes)
    return type(experiment).model_validate(data)


def placeholders(template: str) -> list[tuple[str, str | None, str]]:
    return [(m.group(1), m.group(2), m.group(3) or "") for m in PLACEHOLDER.finditer(template)]
