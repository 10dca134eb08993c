"""ab.json: what `lab ab` measured and judged, one row per scenario and metric (issue 22 §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lab.shared.output import atomic_write

AbVerdict = Literal["faster", "slower", "no difference", "not judged"]
AbMetric = Literal["rps", "p95_ms", "cpu_ms"]
Side = Literal["A", "B"]
# duet: A and B run at the same time in each round, each on its own server with its own Locust (the
# default); sequential: one side at a time, interleaved A B, B A, ...
Mode = Literal["duet", "sequential"]


class Run(BaseModel):
    """One run of one side: a one-configuration `lab compare` result directory."""

    model_config = ConfigDict(extra="forbid")

    side: Side
    round: int = Field(description="1, 2, ...: the round the run belongs to.")
    out: str = Field(description="Its result directory (summary.json), relative to the A/B directory.")
    ok: bool = Field(description="Every cell of the run measured.")


class AbRow(BaseModel):
    """One scenario and metric: the runs of each side, the ratio B/A, its interval, the p-value."""

    model_config = ConfigDict(extra="forbid")

    scenario: str
    metric: AbMetric
    a: list[float] = Field(description="A's value in each round that both sides measured.")
    b: list[float] = Field(description="B's value in the same rounds, in the same order.")
    ratio: float | None = Field(
        description="duet: the geometric mean of the rounds' B/A; sequential: mean(B) / mean(A); None "
        "when fewer than 2 rounds measured."
    )
    ci: list[float] | None = Field(
        description="[lo, hi] of the ratio's 95% interval: duet, Student's t over the rounds' log ratios "
        "(the one the paired t-test inverts); sequential, a bootstrap of the ratio of means."
    )
    p_value: float | None = Field(
        description="duet: the paired t-test on the logs of the rounds' B/A; sequential: Welch's t-test "
        "on the logs; None below 3 rounds."
    )
    verdict: AbVerdict = Field(
        description="faster / slower: B differs significantly (p < alpha and the interval excludes 1); "
        "no difference otherwise; not judged: fewer than 3 rounds measured on a side."
    )
    regression: bool = Field(
        False, description="With --fail-on-regression PCT: B slower and beyond PCT (exit 3)."
    )


class AbMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a_dir: str
    b_dir: str
    app: str
    config: str
    users: int
    duration_s: float
    warmup_s: float
    mode: Mode = Field(
        "sequential", description="duet: both sides at once in each round, sharing the machine; "
        "sequential: one side at a time."
    )  # fmt: skip
    swap_every_s: float | None = Field(
        None, description="duet: each side ran on its own half of the cores (`cores`), the halves swapped "
        "every this many seconds; None: the sides shared every core (sequential, --swap-every 0, or fewer "
        "than 2 usable cores)."
    )  # fmt: skip
    cores: dict[Side, list[int]] | None = Field(
        None,
        description="The cores each side started a round on (with an odd count, the last is both sides').",
    )
    rounds: int = Field(description="The rounds asked for.")
    order: list[Side] = Field(
        description="The order the runs were started in: A B, B A, A B, ... (duet: which side started first)."
    )
    alpha: float
    level: float
    fail_on_regression_pct: float | None
    started: str
    finished: str | None = None
    interrupted: bool = False


class AbResult(BaseModel):
    """The whole of ab.json."""

    model_config = ConfigDict(extra="forbid")

    meta: AbMeta
    runs: list[Run] = Field(default_factory=list)
    scenarios: list[AbRow] = Field(default_factory=list)


def write(out: Path, result: AbResult) -> None:
    atomic_write(out / "ab.json", result.model_dump_json(indent=2) + "\n")


def load(out: Path) -> AbResult:
    return AbResult.model_validate_json((out / "ab.json").read_text(encoding="utf-8"))
