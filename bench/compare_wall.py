"""The wall time of one `lab compare`, this tree against another checkout (issue 27), rounds interleaved.

Each round runs the same `lab compare ARGS` once with this tree's lab and once with the lab of `--base`
(a checkout of another commit, e.g. `git worktree add /tmp/base main`, or `git archive main | tar -x`),
in an order that alternates from round to round, so a neighbour's load hits both alike. Both run with this
interpreter; `PYTHONPATH` selects the tree, and the servers and Locust processes they start inherit it.
Reported: each side's wall times and median, and their ratio (this tree / base).

    .venv/bin/python -m bench.compare_wall --base /tmp/base --rounds 3 -- \
        --configs uvicorn-single --scenarios noop-async,io-async --duration 2s
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def timed(tree: Path, compare: list[str], out: Path) -> float:
    """Seconds `lab compare` takes with `tree`'s lab; its exit status must say every cell ran."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "lab", "compare", *compare, "--out", str(out)],
        env=env, cwd=tree, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"lab compare ({tree}) exited with {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=Path, required=True, help="the other checkout's directory")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("compare", nargs=argparse.REMAINDER, help="lab compare's arguments, after --")
    args = parser.parse_args(argv)
    compare = [a for a in args.compare if a != "--"]
    if not (args.base / "lab" / "__init__.py").is_file():
        parser.error(f"--base {args.base}: no lab/ there")
    walls: dict[str, list[float]] = {"base": [], "this": []}
    trees = {"base": args.base.resolve(), "this": HERE}
    with tempfile.TemporaryDirectory(prefix="lab-wall-") as tmp:
        for i in range(args.rounds):
            for side in ("base", "this") if i % 2 == 0 else ("this", "base"):
                seconds = timed(trees[side], compare, Path(tmp) / f"{side}-{i}")
                walls[side].append(seconds)
                print(f"round {i + 1}: {side:4} {seconds:6.2f} s", flush=True)
    base, this = (statistics.median(walls[k]) for k in ("base", "this"))
    print(f"median wall: base {base:.2f} s, this tree {this:.2f} s; ratio {this / base:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
