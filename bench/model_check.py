"""`python -m bench.model_check`: lab compare's model against real runs, as a Markdown table.

    python -m bench.model_check --app catalog:app --app-dir tests/data/apps/orm_catalog \
        --locustfile tests/data/apps/orm_catalog/locustfile.py --configs uvicorn-single,gunicorn-multi \
        --users 20 --duration 4s --out results/model-orm

One `lab compare` run (its calibration measures the demands at one user, lab.model diagnoses each cell),
then a row per cell from summary.json: req/s, the ceiling, efficiency, the binding resource, the demands,
the think time, usable cores and the machine's other processes, the utilizations. `--reuse` prints the
table of an OUT already run. Not a test: a bench (issue 21's Done-when: efficiency 0.85 to 1.10, or
`unexplained` with the utilizations).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from lab.compare.results.summary import Cell, load

LAB = [sys.executable, "-m", "lab", "compare"]
COLUMNS = (
    "| app | config | users | req/s | MVA req/s | ceiling | efficiency | binding | think ms | R0 ms | CPU ms "
    "| pool ms | loop ms | usable cores | others | utilization |"
)


def _f(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def row(app: str, c: Cell) -> str:
    if c.status != "ok":
        return f"| {app} | {c.config} | {c.users} | failed: {c.error} |"
    d, law = c.demands, ", ".join(f"{k} {v:.2f}" for k, v in c.utilization.items())
    binding = f"{c.binding} ({', '.join(c.flags)})" if c.flags else str(c.binding)
    return (
        f"| {app} | {c.config} | {c.users} | {_f(c.rps)} | {_f(c.model_rps)} | {_f(c.ceiling_rps)} "
        f"| {_f(c.efficiency)} | {binding} | {_f(c.think_ms)} | {_f(d.get('wall'))} | {_f(d.get('cpu'))} "
        f"| {_f(d.get('threadpool'))} | {_f(d.get('loop'))} | {_f(c.usable_cores)} | {_f(c.other_cores)} "
        f"| {law} |"
    )


def within(cells: list[Cell]) -> str:
    """How many non-failing cells the model explains (0.85 to 1.10) or labels unexplained."""
    ran = [c for c in cells if c.status == "ok" and "failing" not in c.flags]
    explained = [c for c in ran if c.efficiency is not None and 0.85 <= c.efficiency <= 1.10]
    unexplained = [c for c in ran if c.binding == "unexplained"]
    return f"{len(explained)} of {len(ran)} cells in 0.85-1.10, {len(unexplained)} unexplained"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_check", description=__doc__.splitlines()[0])
    parser.add_argument("--app", help="a user's app (with --app-dir, --locustfile); else --scenarios")
    parser.add_argument("--app-dir", type=Path)
    parser.add_argument("--locustfile", type=Path)
    parser.add_argument(
        "--scenarios", default="io-sync,io-async,cpu-sync", help="the catalogue's, without --app"
    )
    parser.add_argument("--configs", default="uvicorn-single,gunicorn-multi,threadpool-starved")
    parser.add_argument("--users", default="20", help="N, or a sweep N1,N2,...")
    parser.add_argument("--duration", default="4s")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", help="the app's name in the table (default: --app-dir's name)")
    parser.add_argument("--reuse", action="store_true", help="print the table of OUT, run nothing")
    args = parser.parse_args(argv)
    if not args.reuse:
        workload = (
            ["--app", args.app, "--app-dir", str(args.app_dir), "--locustfile", str(args.locustfile)]
            if args.app
            else ["--scenarios", args.scenarios]
        )
        command = [*LAB, *workload, "--configs", args.configs, "--users", args.users,
                   "--duration", args.duration, "--out", str(args.out)]  # fmt: skip
        subprocess.run(command, timeout=3600, stdout=subprocess.DEVNULL, check=False)
    cells = load(args.out).cells
    name = args.name or (args.app_dir.name if args.app_dir else "")
    print(COLUMNS)
    print("|" + "---|" * COLUMNS.count(" | ") + "---|")
    for c in cells:
        print(row(name or c.scenario, c))
    print(f"\n{within(cells)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
