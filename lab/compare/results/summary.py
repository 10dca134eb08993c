"""summary.json as typed data: the run's metadata and its cells, validated when written and when read.

`Summary` is the file: {"schema": N, "meta": Meta, "cells": [Cell, ...]}. The JSON Schema published
at docs/summary.schema.json is generated from these models (`python -m lab.compare.results.summary
--schema`), and a test fails when the committed file is stale.

Schema versions:
1  the records the runner wrote as plain dicts (before these models);
2  the same layout, validated by these models; `meta.target` and `meta.locustfile` may appear; a user's
   scenario's cells carry `handlers`, `concurrency`, `service_ms` (all optional); `checks` holds the
   gates' verdicts (optional); a cell's `target_rps` (open-model load) and `swept` (the values of the
   run's swept keys at that cell), `meta.sweeps` and `meta.rates` (issue 12 §1, §2; all optional).
   A cell's `failure_ratio`, `failure_codes` and `flags`, `meta.max_failure_ratio` and `meta.wait_times`
   (issue 21 §4, §5; all optional). A cell's `think_ms`, `demands`, `utilization`, `binding` and
   `usable_cores`, a handler's `cpu_ms` (issue 21 §1, §2: lab.model's verdict; all optional).
   A cell's `latency_from` and `p50_ms_uncorrected`, `p95_ms_uncorrected`, `p99_ms_uncorrected`
   (issue 25; optional): its percentiles are exact (HDR histograms), from the schedule in the open model.
   `meta.service` and a cell's `server` "external": a running service measured by `lab run` (issue 24;
   optional), whose cells may have no server-side fields (no --metrics-url).
   A cell's `verified`, `verify` (issue 21 §3); `p95_runs`, `rps_ci`, `p95_ci`, `meta.repeat_auto` (issue 22).
   A version-1 file (or one without "schema") is read as it is: everything version 2 added is optional.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lab.compare.results.measured import Measured
from lab.compare.results.repeats import Repeated
from lab.compare.results.verdicts import Verdict
from lab.compare.results.verified import Rerun
from lab.model.inputs import Binding
from lab.model.verify import Outcome
from lab.shared.configs import Server, thread_tokens
from lab.shared.output import atomic_write
from lab.shared.provenance import Meta

SCHEMA = 2
SCHEMA_PATH = Path("docs") / "summary.schema.json"  # relative to the repository
Status = Literal["ok", "failed"]
LOAD_KEYS = ("users", "rate")  # swept keys of the load, not of a configuration


class ResultsError(ValueError):
    """A directory that holds no readable comparison; the message names the file and the field."""


def point_name(config: str, swept: dict[str, str]) -> str:
    """A configuration's name, and the load's swept values: `uvicorn-single@users=50`, `...@rate=200`."""
    return config + "".join(f"@{key}={swept[key]}" for key in LOAD_KEYS if key in swept)


class Cell(Measured, Repeated):
    """One configuration x one scenario: what was run, the model's ceiling, and the median run's numbers."""

    config: str
    scenario: str = Field(description="A scenario of the catalogue, or any name (e.g. a Locust user class).")
    kind: str | None = Field(None, description="Endpoint kind (io, cpu, ...): groups charts.")
    handler: str | None = Field(None, description="The path the scenario requests, when it is one.")
    server: Server
    workers: int = Field(ge=1, description="Worker processes, resolved (never auto).")
    threadpool: int = Field(ge=1, description="anyio thread-pool tokens per worker.")
    process_pool: int = Field(ge=1)
    users: int = Field(ge=1)
    target_rps: float | None = Field(
        None, description="Open-model load (--rate): the arrival rate sent; None: a closed loop of users."
    )
    swept: dict[str, str] = Field(
        default_factory=dict,
        description='The run\'s swept keys and their values at this cell, e.g. {"threadpool": "8"}.',
    )
    params: dict[str, int] = Field(default_factory=dict, description="Query parameters sent, e.g. ms.")
    repeats: int = Field(ge=0, description="Runs completed.")
    ceiling_rps: float | None = Field(None, description="lab.model's ceiling (the smallest bound), or None.")
    ceiling_formula: str | None = Field(None, description="The smallest bound, in words with its numbers.")
    limit: str | None = Field(None, description="The binding resource in words (says what `binding` says).")
    binding: Binding | None = Field(
        None, description="The ceiling's resource, generator (Locust saturated) or unexplained (under 0.85)."
    )
    demands: dict[str, float] = Field(
        default_factory=dict,
        description="Service demands, ms per request at one user (calibration): wall (R0), cpu, threadpool, "
        "loop, db_pool, process_pool.",
    )
    utilization: dict[str, float] = Field(default_factory=dict, description="Per resource: X x D / capacity.")
    model_rps: float | None = Field(None, description="Mean value analysis's X(users) over the demands.")
    calibration_requests: int | None = Field(None, description="Requests the one-user calibration counted.")
    rps_runs: list[float] = Field(default_factory=list, description="req/s of every run, in order.")
    rps_spread: float | None = Field(None, description="(max - min) / median of rps_runs.")
    efficiency: float | None = Field(None, description="rps / ceiling_rps.")
    expected_wait_s: float | None = Field(None, description="Little's law: users / throughput.")
    steady_state: bool | None = Field(None, description="False: the cell was shorter than expected_wait_s.")
    status: Status
    error: str | None = Field(None, description="Why a failed cell failed.")
    bottleneck: str | None = None
    flags: list[str] = Field(
        default_factory=list,
        description="What a reader must know before trusting the cell's numbers, by short name (the report "
        'and the table read them from here): "failing" (failure_ratio above --max-failure-ratio: never '
        'named best, left out of knees and ratios), "unreconciled", "not steady", ...',
    )
    concurrency: float | None = Field(
        None, description="Little's law: rps x mean latency (requests in flight)."
    )
    service_ms: float | None = Field(
        None, description="Mean service time at one user, weighted by the handlers' mix (calibration)."
    )
    verified: Outcome | None = Field(None, description="--verify: confirmed, refuted or not verifiable.")
    verify: Rerun | None = Field(None, description="--verify: the rerun with the binding knob doubled.")

    @property
    def tokens(self) -> int:
        """Thread-pool tokens of the whole server (every worker has its own pool)."""
        return thread_tokens(self.workers, self.threadpool)

    @property
    def point(self) -> str:
        """The configuration, and the load when the run swept it: `uvicorn-single@users=50`."""
        return point_name(self.config, self.swept)

    @property
    def key(self) -> tuple[str, str]:
        """What tells cells apart (in a run, and across runs for `lab diff` and --baseline): the point and
        the scenario."""
        return self.point, self.scenario

    @property
    def label(self) -> str:
        return f"{self.point} · {self.scenario}"


class Summary(BaseModel):
    """The whole of summary.json."""

    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    schema_version: int = Field(SCHEMA, alias="schema", description="The format's version.")
    meta: Meta
    cells: list[Cell] = Field(default_factory=list)
    checks: list[Verdict] = Field(
        default_factory=list,
        description="The gates' verdicts (--check, --fail-on-regression), judged after the run (issue 12).",
    )


def _where(loc: tuple[int | str, ...]) -> str:
    """A field as a reader finds it in the file, e.g. cells[3].rps."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "the top level"


def _parse(text: str, source: Path) -> Summary:
    """A Summary from the text of `source`; a ResultsError naming the file and the field if it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise ResultsError(f"{source} is not a `lab compare` summary")
    version = data.get("schema", 1)
    if not isinstance(version, int) or not 1 <= version <= SCHEMA:
        raise ResultsError(f"{source}: schema {version!r}: this lab reads schema 1 to {SCHEMA}")
    data = {**data, "schema": SCHEMA}  # 1 -> 2: nothing to fill, every field version 2 added is optional
    try:
        return Summary.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ResultsError(f"{source}: {'; '.join(problems[:3])}{more}") from None


def load(out: Path) -> Summary:
    """The summary of a result directory written by `save`."""
    path = out / "summary.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{out} holds no summary.json: not a `lab compare` result directory") from None
    except OSError as exc:
        raise ResultsError(f"{path}: {exc.strerror or exc}") from None
    return _parse(text, path)


def save(out: Path, summary: Summary) -> None:
    """Write out/summary.json in one step, validated first: a bad record fails in the run that made it."""
    text = summary.model_dump_json(indent=2) + "\n"
    try:
        Summary.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        raise ValueError(f"{out / 'summary.json'} not written: {problems}") from None
    atomic_write(out / "summary.json", text)


def json_schema() -> str:
    """The JSON Schema of summary.json, as committed at docs/summary.schema.json."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **Summary.model_json_schema()}
    return json.dumps(schema, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.compare.results.summary", description="The JSON Schema of summary.json."
    )
    parser.add_argument("--schema", action="store_true", help="print it")
    parser.add_argument("--write", type=Path, metavar="FILE", help=f"write it to FILE (e.g. {SCHEMA_PATH})")
    args = parser.parse_args(argv)
    if not (args.schema or args.write):
        parser.error("nothing to do: --schema or --write FILE")
    if args.schema:
        print(json_schema(), end="")
    if args.write:
        atomic_write(args.write, json_schema())
    return 0


if __name__ == "__main__":
    sys.exit(main())
