"""Put two result directories side by side: A (the baseline) and B, with ratios B/A per cell.

Prints a Markdown table of req/s, p95, p99 and efficiency; cells found on one side only are listed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.commands.common import fail


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", type=Path, metavar="A", help="the baseline result directory")
    parser.add_argument("b", type=Path, metavar="B", help="the result directory to compare with it")
    parser.add_argument("--out", type=Path, metavar="FILE", help="also write the Markdown to FILE")


def run(args: argparse.Namespace) -> int:
    from lab.compare import diff, summary

    try:
        text = diff.markdown(diff.load(args.a, args.b))
    except summary.ResultsError as exc:
        return fail(str(exc))
    print(text, end="")
    if args.out is not None:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            return fail(f"--out {args.out}: {exc.strerror or exc}")
    return 0
