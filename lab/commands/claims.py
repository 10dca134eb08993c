"""Check the articles' claims about FastAPI against measurements on this machine.

Each claim of lab/claims.toml (or --claims-file) names an experiment; the lab runs it on real servers
and judges the claim by the rule the file gives: "holds", "holds only when ...", or "does not hold".
Writes claims.json and claims.md into --out, which may be a comparison's result directory: `lab report
DIR` then shows a "Claims checked" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from lab.commands.common import add_configs_file, fail

EXIT_STATUSES = {
    0: "every claim checked was measured (whatever its verdict)",
    1: "a claim could not be measured (its reason is in claims.md)",
    2: "usage error: a claims or configurations file that cannot be read, an unknown claim id, --out not a "
    "directory, no PostgreSQL for a database claim",
    130: "interrupted (Ctrl-C): what completed is written",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", metavar="IDS", help="claim ids to check, comma-separated, e.g. 1,3 (default: all)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="one repeat per probe and 3 s per load run: about 2 minutes"
    )
    parser.add_argument("--out", type=Path, help="result directory (default: results/claims-<timestamp>)")
    parser.add_argument(
        "--claims-file",
        type=Path,
        metavar="FILE",
        help="claims to check (default: the built-in lab/claims.toml)",
    )
    add_configs_file(parser, "--configs-file")


def run(args: argparse.Namespace) -> int:
    from lab.claims import catalog, output, spec
    from lab.claims.runner import check
    from lab.claims.verdict import NOT_MEASURED
    from lab.runtime.postgres import PostgresError
    from lab.shared.configs import ConfigError, load_catalogue

    try:
        catalogue = load_catalogue(args.configs_file)
        claims = catalog.select(catalog.load(args.claims_file, catalogue), args.only)
    except (ConfigError, spec.ClaimsError) as exc:
        return fail(str(exc))
    out = args.out or Path("results") / dt.datetime.now().strftime("claims-%Y%m%d-%H%M%S")
    if out.exists() and not out.is_dir():
        return fail(f"--out {out}: not a directory")
    try:
        meta, results = check(claims, out, catalogue=catalogue, quick=args.quick)
    except PostgresError as exc:  # a database claim without a PostgreSQL to start
        return fail(str(exc))
    print(output.text(results))
    print(f"\nclaims: {out / 'claims.md'}\ndata:   {out / 'claims.json'}")
    if meta.interrupted:
        return 130
    return 1 if any(r.verdict == NOT_MEASURED for r in results) else 0
