"""The gates' flags (issue 12 §3) of `lab compare`, checked before anything starts (exit 2 if wrong)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lab.compare.run.gates import Gates


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("gates (exit 3 when one fails)")
    group.add_argument(
        "--check",
        dest="checks",
        metavar="EXPR",
        action="append",
        default=[],
        help="[SCOPE:]FIELD OP NUMBER, repeatable: e.g. p95_ms<200, failure_ratio<0.01, rps>500, "
        "efficiency>0.8, io-async:p95_ms<150, gunicorn-multi:rps>900, gunicorn-multi:io-async:rps>900; "
        "FIELD is a numeric column of summary.json or failure_ratio, OP one of < <= > >= ==, SCOPE a "
        "configuration and/or a scenario of this run; judged on every cell of its scope",
    )
    group.add_argument(
        "--checks-file",
        type=Path,
        metavar="FILE",
        help='a TOML file with a [checks] table: scope = "EXPR" or ["EXPR", ...], "*" for every cell',
    )
    group.add_argument(
        "--fail-on-regression",
        metavar="PCT",
        help="with --baseline: fail when a matched cell's req/s dropped, or its p95 rose, by more than "
        "PCT percent (10 or 10%%); a latency not at steady state is never a regression",
    )
    group.add_argument(
        "--junit",
        type=Path,
        metavar="FILE",
        help="write JUnit XML: a test case per cell (a failed cell is an error), per check and per "
        "regression (a failure's message has the value measured and the bound)",
    )


def gates_of(
    args: argparse.Namespace, configs: Sequence[str], scenarios: Sequence[str], planned: set[tuple[str, str]]
) -> Gates:
    """The gates the flags ask for, against the plan's names; ValueError (exit 2) when one cannot be."""
    from lab.compare.report import diff
    from lab.compare.results import checks, summary
    from lab.compare.run.gates import Gates

    texts = list(args.checks)
    if args.checks_file is not None:
        texts += checks.read_file(args.checks_file)
    parsed = checks.parse_all(texts, configs, scenarios)
    pct = None
    if args.fail_on_regression is not None:
        pct = diff.parse_percent(args.fail_on_regression)
        if args.baseline is None:
            raise ValueError("--fail-on-regression needs --baseline DIR (the run to compare with)")
        try:
            base = summary.load(args.baseline)
        except summary.ResultsError as exc:
            raise ValueError(f"--baseline: {exc}") from None
        if not diff.common((c.key for c in base.cells), planned):
            raise ValueError(
                f"--fail-on-regression: no cell of this run matches one of --baseline {args.baseline} "
                "(cells match by configuration and scenario): nothing to compare"
            )
    if args.junit is not None and not args.junit.parent.resolve().is_dir():
        raise ValueError(f"--junit {args.junit}: no directory {args.junit.parent}")
    return Gates(parsed, pct, args.baseline, args.junit)
