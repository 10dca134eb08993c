"""`python -m bench.tune`: `lab tune` against the full grid over the same space (issue 23), per case.

Per case, through the lab's own commands, one after the other:

1. `lab tune` over the space (no capacity cells), into OUT/<case>/tune;
2. the grid: `lab compare --set` over every point of the same space, same load, same cell length, each
   cell repeated (`--repeat`, default 3): its best point is the best median among the points that met
   the SLO, and the points whose 95% interval overlaps the best's are named as tied with it;
3. the pick against the grid's best, in the same window: `--rounds` rounds (default 5) of one
   `lab compare --configs-file OUT/<case>/tune/tuned.toml --configs-file best.toml --configs tuned,grid-best
   --check tuned:SLO`, the order alternating; the ratio of their mean req/s with a paired bootstrap interval
   (bench/tune_judge.py). When the pick is the grid's best point the ratio is 1 by identity and the pick
   is rerun alone from tuned.toml (`--repeat ROUNDS`).

Printed per case: cells tune measured / the grid's, the pick, the grid's best and what tied with it, the
pick/best ratio [95% CI], whether that says "within 5%" (the interval reaches 0.95), and how many of the
pick's reruns met the SLO; with the load average. Written to OUT/tune-bench.json after every case.
The cases: the catalogue (io-sync), examples/shop (ItemUser), and three apps whose answer physics gives
(tests/data/apps: geocoder, a thread pool; thumbnails, the CPU on gunicorn; orders, a small pool).
Not a test: a bench (`make bench-tune`; `--cases NAME,...`, `--duration`, `--repeat`, `--rounds`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.tune_judge import Duel, GridBest, duel, grid_best, meets, order
from lab.shared.configs import get, load_catalogue
from lab.tune.files import TUNED, tuned_toml
from lab.tune.space import parse, points

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


GRID_BEST = "grid-best"  # the grid's best point's table in OUT/<case>/best.toml


@dataclass(frozen=True)
class Plan:
    duration: str
    repeat: int  # runs of each grid cell
    rounds: int  # rounds of the pick against the grid's best

    def load(self, case: Case) -> list[str]:
        return ["--users", str(case.users), "--duration", self.duration]


@dataclass
class Row:
    case: str
    tune_cells: int
    grid_cells: int
    cells_ratio: float
    pick: str | None
    grid_best: str | None
    grid_best_rps: float | None  # the grid cell's median run
    grid_best_ci: tuple[float, float] | None
    ties: tuple[str, ...] = ()  # grid points tied with the best (overlapping intervals)
    identity: bool = False  # the pick is the grid's best point
    duel: Duel | None = None  # the pick against the grid's best, interleaved (None: identity, or no pick)
    pick_runs: list[float] = field(default_factory=list)  # the pick's req/s in every rerun
    pick_met: int = 0  # reruns of the pick that met the SLO
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-min, at the case's start and end
    seconds: float = 0.0

    @property
    def ratio(self) -> str:
        if self.identity:
            return "1 (identity)"
        d = self.duel
        if d is None or d.ratio is None or d.lo is None or d.hi is None:
            return "-"
        return f"{d.ratio:.3f} [{d.lo:.3f}, {d.hi:.3f}]"

    @property
    def within(self) -> str:
        if self.identity:
            return "yes"
        found = self.duel.within if self.duel is not None else None
        shown = self.duel.shown if self.duel is not None else None
        return "-" if found is None else ("yes, shown" if shown else "yes" if found else "no")


def run(command: list[str], ok: tuple[int, ...] = (0,)) -> int:
    print("$", " ".join(command[2:]), file=sys.stderr, flush=True)
    code = subprocess.run(command, timeout=3600, stdout=subprocess.DEVNULL).returncode
    if code not in ok:
        raise SystemExit(f"bench.tune: exit {code} from {' '.join(command[2:])}")
    return code


def tune_workload(case: Case) -> list[str]:
    """compare's --scenarios NAME is tune's --scenario NAME."""
    return ["--scenario" if a == "--scenarios" else a for a in case.workload]


def cells(summary: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(summary.read_text())["cells"]
    return found


def write_best(case: Case, name: str, path: Path) -> None:
    """The grid's best point as a configurations table of its own, [grid-best], as tuned.toml is written."""
    (cfg,) = [c for c in points(get(load_catalogue(), case.config), parse(case.space)) if c.name == name]
    keys = [line for line in tuned_toml(cfg, "").splitlines()[2:] if not line.startswith("description =")]
    described = f'description = "the full grid\'s best median: {name}"'
    path.write_text(
        "\n".join([f"# the full grid's best point, {name}", f"[{GRID_BEST}]", *keys, described]) + "\n"
    )


def gate(case: Case, plan: Plan) -> list[str]:
    """The pick's SLO as a check scoped to it, no calibration (nothing here needs the model), the load."""
    return ["--check", f"{TUNED}:{case.slo}", "--calibrate", "0", *plan.load(case)]


def round_command(case: Case, out: Path, plan: Plan, n: int) -> list[str]:
    """Round n of the pick against the grid's best: tuned.toml as it is, best.toml beside it."""
    files = ["--configs-file", str(out / "tune" / "tuned.toml"), "--configs-file", str(out / "best.toml")]
    names = ",".join(order(n, TUNED, GRID_BEST))
    return [*LAB, "compare", *case.workload, *files, "--configs", names, *gate(case, plan),
            "--out", str(out / f"round{n}")]  # fmt: skip


def alone(case: Case, out: Path, plan: Plan, row: Row) -> None:
    """The pick is the grid's best (or there is none): rerun from tuned.toml alone, --repeat ROUNDS."""
    again = ["--configs-file", str(out / "tune" / "tuned.toml"), "--configs", TUNED]
    into = ["--repeat", str(plan.rounds), "--out", str(out / "rerun")]
    run([*LAB, "compare", *case.workload, *again, *gate(case, plan), *into], ok=(0, 1, 3))
    (cell,) = cells(out / "rerun" / "summary.json")
    row.pick_runs = list(cell.get("rps_runs") or [])
    bound = float(case.slo.partition("<")[2])
    row.pick_met = sum(p < bound for p in cell.get("p95_runs") or []) if cell["status"] == "ok" else 0


def rerun(case: Case, out: Path, plan: Plan, best: GridBest | None, row: Row) -> None:
    """The pick from tuned.toml: against the grid's best in alternating rounds, or alone (identity)."""
    if best is None or row.identity:
        alone(case, out, plan, row)
        return
    write_best(case, best.config, out / "best.toml")
    pairs: list[tuple[float | None, float | None]] = []
    for n in range(1, plan.rounds + 1):
        run(round_command(case, out, plan, n), ok=(0, 1, 3))
        by_name = {c["config"]: c for c in cells(out / f"round{n}" / "summary.json")}
        pick, other = by_name[TUNED], by_name[GRID_BEST]
        pairs.append((pick.get("rps") if pick["status"] == "ok" else None,
                      other.get("rps") if other["status"] == "ok" else None))  # fmt: skip
        row.pick_met += meets(pick, case.slo)
    row.duel = duel(pairs)
    row.pick_runs = [p for p, _ in pairs if p is not None]


def one(case: Case, out: Path, plan: Plan) -> Row:
    started, load_before = time.monotonic(), os.getloadavg()[0]
    spaces = [f for pair in case.space for f in ("--space", pair)]
    sets = [f for pair in case.space for f in ("--set", pair)]
    load = plan.load(case)
    run([*LAB, "tune", *tune_workload(case), "--config", case.config, *spaces, *load, "--slo", case.slo,
         "--capacity-steps", "0", "--out", str(out / "tune")], ok=(0, 3))  # fmt: skip
    tune = json.loads((out / "tune" / "tune.json").read_text())
    grid_args = ["--configs", case.config, *sets, *load, "--repeat", str(plan.repeat), "--calibrate", "0"]
    run([*LAB, "compare", *case.workload, *grid_args, "--out", str(out / "grid")], ok=(0, 1))
    grid = cells(out / "grid" / "summary.json")
    best = grid_best(grid, case.slo)
    row = Row(
        case.name, tune["cells_measured"], len(grid), round(tune["cells_measured"] / len(grid), 3),
        tune["pick"], best and best.config, best and best.rps, best and best.rps_ci,
        best.ties if best else (), identity=best is not None and best.config == tune["pick"],
    )  # fmt: skip
    if tune["pick"] is not None:
        rerun(case, out, plan, best, row)
    row.load_average = (round(load_before, 1), round(os.getloadavg()[0], 1))
    row.seconds = round(time.monotonic() - started)
    return row


def short(name: str | None) -> str:
    """`uvicorn-single[threadpool=32]` as `threadpool=32`; the base configuration as itself."""
    if name is None:
        return "-"
    return name[name.index("[") + 1 : -1] if "[" in name else name


def table(rows: list[Row], runs: int) -> str:
    lines = [
        f"{'case':<11} {'tune/grid':>10}  {'pick':<24} {'grid best (ties)':<44} {'pick/best [95% CI]':<26}"
        f" {'within 5%':<11} {'pick met SLO':<13} load avg"
    ]
    for r in rows:
        best = short(r.grid_best) + (f" ({', '.join(short(t) for t in r.ties)})" if r.ties else "")
        met = f"{r.pick_met}/{len(r.pick_runs) or runs}" if r.pick else "-"
        lines.append(
            f"{r.case:<11} {f'{r.tune_cells}/{r.grid_cells}={r.cells_ratio:.2f}':>10}  {short(r.pick):<24}"
            f" {best:<44} {r.ratio:<26} {r.within:<11} {met:<13} {r.load_average[0]}..{r.load_average[1]}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", default=",".join(c.name for c in CASES))
    parser.add_argument("--duration", default="3s")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each grid cell (3 or more)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the pick against the best (3+)")
    parser.add_argument("--out", type=Path, default=Path("results/tune-bench"))
    args = parser.parse_args(argv)
    by_name = {c.name: c for c in CASES}
    unknown = set(args.cases.split(",")) - set(by_name)
    if unknown or args.repeat < 3 or args.rounds < 3:
        parser.error(f"unknown case(s) {sorted(unknown)}" if unknown else "--repeat and --rounds: 3 or more")
    plan, rows = Plan(args.duration, args.repeat, args.rounds), []
    for case in [by_name[name] for name in dict.fromkeys(args.cases.split(","))]:  # in the order given
        rows.append(one(case, args.out / case.name, plan))
        args.out.mkdir(parents=True, exist_ok=True)
        report = [{**asdict(r), "ratio": r.ratio, "within_5pct": r.within} for r in rows]
        (args.out / "tune-bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print(table(rows, args.rounds))


if __name__ == "__main__":
    main()
