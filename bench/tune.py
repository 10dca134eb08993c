"""`python -m bench.tune`: `lab tune` against the full grid over the same space (issue 23), per case.

Per case, three runs through the lab's own commands, one after the other:

1. `lab tune` over the space (no capacity cells), into OUT/<case>/tune;
2. `lab compare --set` over every point of the same space, same load, same cell length: the grid;
3. `lab compare --configs-file OUT/<case>/tune/tuned.toml --configs tuned --check SLO`: the pick rerun.

Printed per case, as ratios: cells tune measured / the grid's cells, the pick's req/s (rerun) / the grid's
best req/s among the points that met the SLOs, and whether the rerun met them. Written to OUT/tune-bench.json.
The cases: the catalogue (io-sync), examples/shop (ItemUser), and three apps whose answer physics gives
(tests/data/apps: geocoder, a thread pool; thumbnails, the CPU on gunicorn; orders, a small pool).
Not a test: a bench (`make bench-tune`; `--cases NAME,...` and `--duration` for a small run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

LAB = [sys.executable, "-m", "lab"]
APPS = Path(__file__).resolve().parent.parent / "tests" / "data" / "apps"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class Case:
    name: str
    workload: list[str]  # --app/--locustfile or --scenarios (compare) / --scenario (tune)
    config: str
    space: list[str]
    users: int
    slo: str


def _app(directory: str, app: str) -> list[str]:
    return [
        "--app",
        app,
        "--app-dir",
        str(APPS / directory),
        "--locustfile",
        str(APPS / directory / "locustfile.py"),
    ]


SHOP = [
    "--app",
    "shop.app:app",
    "--app-dir",
    str(EXAMPLES),
    "--locustfile",
    str(EXAMPLES / "shop" / "locustfile.py"),
]
CASES = [
    Case(
        "catalogue",
        ["--scenarios", "io-sync"],
        "uvicorn-single",
        ["threadpool=5,10,20,40,80"],
        40,
        "p95_ms<1000",
    ),
    Case(
        "shop",
        [*SHOP, "--scenarios", "ItemUser"],
        "uvicorn-single",
        ["threadpool=2,4,8,16,32"],
        16,
        "p95_ms<1000",
    ),
    Case(
        "geocoder",
        _app("geocoder", "geocoder:app"),
        "uvicorn-single",
        ["threadpool=2,4,8,16,32"],
        32,
        "p95_ms<1000",
    ),
    Case(
        "thumbnails",
        _app("thumbnails", "thumbnails:app"),
        "gunicorn-multi",
        ["workers=1,2", "threadpool=4,40"],
        8,
        "p95_ms<2000",
    ),
    Case("orders", _app("orders", "orders:app"), "uvicorn-single", ["db_pool=1,2,4,8,16"], 32, "p95_ms<1000"),
]


@dataclass(frozen=True)
class Row:
    case: str
    tune_cells: int
    grid_cells: int
    cells_ratio: float
    pick: str | None
    pick_rps: float | None  # the rerun's
    grid_best: str | None
    grid_best_rps: float | None
    rps_ratio: float | None
    rerun_met_slo: bool


def run(command: list[str], ok: tuple[int, ...] = (0,)) -> int:
    print("$", " ".join(command[2:]), file=sys.stderr, flush=True)
    code = subprocess.run(command, timeout=3600, stdout=subprocess.DEVNULL).returncode
    if code not in ok:
        raise SystemExit(f"bench.tune: exit {code} from {' '.join(command[2:])}")
    return code


def tune_workload(case: Case) -> list[str]:
    """compare's --scenarios NAME is tune's --scenario NAME."""
    return ["--scenario" if a == "--scenarios" else a for a in case.workload]


def one(case: Case, out: Path, duration: str) -> Row:
    spaces = [f for pair in case.space for f in ("--space", pair)]
    sets = [f for pair in case.space for f in ("--set", pair)]
    load = ["--users", str(case.users), "--duration", duration]
    run([*LAB, "tune", *tune_workload(case), "--config", case.config, *spaces, *load, "--slo", case.slo,
         "--capacity-steps", "0", "--out", str(out / "tune")], ok=(0, 3))  # fmt: skip
    tune = json.loads((out / "tune" / "tune.json").read_text())
    run(
        [*LAB, "compare", *case.workload, "--configs", case.config, *sets, *load, "--out", str(out / "grid")],
        ok=(0, 1),
    )
    grid = json.loads((out / "grid" / "summary.json").read_text())["cells"]
    met = [c for c in grid if c["status"] == "ok" and c.get("p95_ms") is not None and _meets(c, case.slo)]
    best = max(met, key=lambda c: c["rps"], default=None)
    pick_rps, met_slo = None, False
    if tune["pick"] is not None:
        tuned = out / "tune" / "tuned.toml"
        again = ["--configs-file", str(tuned), "--configs", "tuned", *load, "--check", case.slo]
        code = run([*LAB, "compare", *case.workload, *again, "--out", str(out / "rerun")], ok=(0, 1, 3))
        rerun = json.loads((out / "rerun" / "summary.json").read_text())["cells"][0]
        pick_rps, met_slo = rerun.get("rps"), code == 0
    best_rps = best["rps"] if best else None
    return Row(
        case.name, tune["cells_measured"], len(grid), round(tune["cells_measured"] / len(grid), 3),
        tune["pick"], pick_rps, best["config"] if best else None, best_rps,
        round(pick_rps / best_rps, 3) if pick_rps and best_rps else None, met_slo,
    )  # fmt: skip


def _meets(cell: dict[str, float], slo: str) -> bool:
    field, bound = slo.split("<")
    return float(cell[field]) < float(bound)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", default=",".join(c.name for c in CASES))
    parser.add_argument("--duration", default="5s")
    parser.add_argument("--out", type=Path, default=Path("results/tune-bench"))
    args = parser.parse_args()
    chosen = [c for c in CASES if c.name in args.cases.split(",")]
    rows = [one(c, args.out / c.name, args.duration) for c in chosen]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tune-bench.json").write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    print(f"{'case':<11} {'tune/grid cells':>16} {'pick/best req/s':>16} {'rerun met SLO':>14}  pick")
    for r in rows:
        ratio = f"{r.rps_ratio:.2f}" if r.rps_ratio is not None else "-"
        cells = f"{r.tune_cells}/{r.grid_cells} = {r.cells_ratio:.2f}"
        print(f"{r.case:<11} {cells:>16} {ratio:>16} {'yes' if r.rerun_met_slo else 'no':>14}  {r.pick}")


if __name__ == "__main__":
    main()
