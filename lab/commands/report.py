"""Render report.html of a result directory again from its saved data (summary.json and cells/).

With --baseline, the report also puts the run side by side with an earlier one and writes diff.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.commands.common import fail

EXIT_STATUSES = {
    0: "report.html written (and diff.md, with --baseline)",
    2: "usage error: a directory that holds no comparison",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a result directory written by `lab compare`")
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="an earlier result directory to compare against"
    )


def run(args: argparse.Namespace) -> int:
    from lab.compare.report import report
    from lab.compare.results import summary

    try:
        for directory in (args.dir, args.baseline):
            if directory is not None:
                summary.load(directory)
    except summary.ResultsError as exc:
        return fail(str(exc))
    report.render(args.dir, baseline=args.baseline)
    print(args.dir / "report.html")
    if args.baseline is not None:
        print(args.dir / "diff.md")
    return 0
