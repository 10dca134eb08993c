"""Check claims: measure each one's experiment, judge it, write claims.json/.md after every claim."""

from __future__ import annotations

import datetime as dt
import platform
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lab.claims import output
from lab.claims.experiments import Bench, measure
from lab.claims.numbers import ExperimentError, Numbers
from lab.claims.spec import Claim, Load
from lab.claims.verdict import NOT_MEASURED, judge, machine
from lab.runtime import postgres
from lab.runtime.launcher import LaunchError
from lab.runtime.provenance import command_line, git_commit, versions
from lab.shared.configs import ServerConfig
from lab.shared.cores import usable_cpus
from lab.shared.scenarios import get_scenario


def needs_database(claims: list[Claim]) -> bool:
    """Whether a claim loads a db-* scenario: then the run starts a PostgreSQL (issue 16)."""
    return any(
        get_scenario(arm.scenario).kind == "db"
        for claim in claims
        for experiment in claim.experiments().values()
        if isinstance(experiment, Load)
        for arm in experiment.arms.values()
    )


def _round(numbers: Numbers) -> Numbers:
    return {k: None if v is None else round(v, 4) for k, v in numbers.items()}


def metadata(quick: bool) -> dict[str, Any]:
    cores = len(usable_cpus())
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": None,
        "interrupted": False,
        "cores": cores,
        "machine": {"cores": cores, "platform": platform.platform(), "cpu": platform.processor()},
        "versions": versions(),
        "git_commit": git_commit(),
        "command": command_line(),
        "quick": quick,
    }


def check(
    claims: list[Claim],
    out: Path,
    *,
    catalogue: Mapping[str, ServerConfig],
    quick: bool = False,
    say: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Measure and judge every claim in order; claims.json/.md in `out` are rewritten after each."""
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    meta = metadata(quick)
    results: list[dict[str, Any]] = []
    (out / "logs").mkdir(parents=True, exist_ok=True)
    try:
        with (
            postgres.database(needs_database(claims), log=out / "logs" / "postgres.log") as url,
            Bench(
                catalogue, out / "logs" / "claims", quick=quick, say=say,
                server_env={postgres.DATABASE_URL_ENV: url} if url else None,
            ) as bench,
        ):  # fmt: skip
            for claim in claims:
                say(f"claim {claim.id}: {claim.quote}")
                results.append(check_one(bench, claim, meta["cores"]))
                output.write(out, meta, results)
    except KeyboardInterrupt:
        meta["interrupted"] = True
    finally:
        meta["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        output.write(out, meta, results)
    return meta, results


def check_one(bench: Bench, claim: Claim, cores: int) -> dict[str, Any]:
    """One claim's record: the verdict, the sentence with its numbers, when it flips, the numbers."""
    record: dict[str, Any] = {
        "id": claim.id,
        "claim": claim.quote,
        "source": claim.source,
        "passage": claim.passage,
    }
    try:
        numbers: Numbers = {"cores": float(cores), **measure(bench, claim.experiments(), f"claim{claim.id}")}
    except (ExperimentError, LaunchError) as exc:
        bench.close()  # the next claim starts from a fresh server
        numbers = {"cores": float(cores)}
        return {**record, "verdict": NOT_MEASURED, "evidence": f"{exc} ({machine(numbers)}).",
                "condition": "", "numbers": numbers, "checks": [], "error": str(exc)}  # fmt: skip
    outcome = judge(claim, numbers)
    return {
        **record,
        "verdict": outcome.verdict,
        "evidence": outcome.evidence,
        "condition": outcome.condition,
        "numbers": _round(numbers),
        "checks": outcome.checks,
        "error": None,
    }
