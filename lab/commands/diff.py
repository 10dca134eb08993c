"""Put two result directories side by side: A (the baseline) and B, with ratios B/A per cell.

Prints a Markdown table of req/s, p95, p99 and efficiency; cells found on one side only are listed;
--out DIR also writes it to DIR/diff.md, as `lab compare --baseline` writes it into its result directory.
With --fail-on-regression PCT it is a gate (issue 12 §3): exit 3 when a matched cell's req/s dropped, or
its p95 rose, by more than PCT percent (a latency not at steady state is never a regression).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lab.commands.common import deprecated, fail

DIFF_FILE = "diff.md"

EXIT_STATUSES = {
    0: "compared (and, with --fail-on-regression, no regression)",
    2: "usage error: a directory that holds no comparison, an invalid value, an unwritable file",
    3: "--fail-on-regression: a matched cell regressed beyond PCT percent",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", type=Path, metavar="A", help="the baseline result directory")
    parser.add_argument("b", type=Path, metavar="B", help="the result directory to compare with it")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"also write the Markdown to DIR/{DIFF_FILE} (DIR created if missing); a FILE ending in .md "
        "is the old spelling, still written, with a warning",
    )
    parser.add_argument(
        "--fail-on-regression",
        metavar="PCT",
        help="exit 3 when a matched cell's req/s dropped, or its p95 rose, by more than PCT percent "
        "(10 or 10%%)",
    )
    parser.add_argument(
        "--junit",
        type=Path,
        metavar="FILE",
        help="with --fail-on-regression: write JUnit XML, B's cells and a test case per regression gate",
    )


def out_file(out: Path) -> Path:
    """Where --out writes: DIR/diff.md, DIR created; an old `--out FILE.md` (--out was a file until
    issue 26, a directory in every other command) is that file, with the deprecation warning."""
    if out.suffix == ".md" and not out.is_dir():
        deprecated(f"--out {out}", f"--out DIR (it writes DIR/{DIFF_FILE})")
        return out
    out.mkdir(parents=True, exist_ok=True)
    return out / DIFF_FILE


def run(args: argparse.Namespace) -> int:
    from lab.compare.report import diff
    from lab.compare.results import junit, summary
    from lab.compare.run import gates

    pct = None
    try:
        if args.fail_on_regression is not None:
            pct = diff.parse_percent(args.fail_on_regression)
        elif args.junit is not None:
            raise ValueError("--junit needs --fail-on-regression PCT (the gate it reports)")
        a, b = summary.load(args.a), summary.load(args.b)
    except ValueError as exc:  # summary.ResultsError is one
        return fail(str(exc))
    found = diff.compare(a, b, a_name=str(args.a), b_name=str(args.b))
    text = diff.markdown(found)
    print(text, end="")
    if args.out is not None:
        try:
            out_file(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            return fail(f"--out {args.out}: {exc.strerror or exc}")
    if pct is None:
        return 0
    verdicts = diff.regressions(found, pct)
    print("\n" + "\n".join(gates.lines(verdicts) or ["Regressions: no cell in common: nothing compared"]))
    if args.junit is not None:
        try:
            junit.write(args.junit, b.cells, verdicts, name="lab diff")
        except OSError as exc:
            return fail(f"--junit {args.junit}: {exc.strerror or exc}")
    if any(v.outcome == "failed" for v in verdicts):
        print(f"lab: a regression beyond {pct:g}% (exit 3)", file=sys.stderr)
        return gates.EXIT_GATE
    return 0
