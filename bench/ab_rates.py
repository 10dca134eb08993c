"""Does `lab ab` raise false alarms, and does it catch a real slowdown? (issue 22, its Done-when)

Trials of `lab ab` on the tiny service of tests/data/apps/ab (its /work handler burns a fixed number of
loop iterations): an unchanged copy against the original (A/A: every regression flagged is a false alarm)
and a copy whose handler does `--slower` times the work (A/B: every regression flagged is a catch), each
with `--fail-on-regression PCT`, in `--mode duet` (A and B at the same time in each round, `lab ab`'s
default) or `--mode sequential` (one side at a time). The two kinds alternate (A/A, A/B, A/A, ...) so
that what drifts on the machine hits both. Reported: the false-alarm rate, the catch rate, and each
trial's verdicts, ratios and intervals; written to OUT/bench.json. Run it with `make bench-ab`
(ARGS='--trials 10 --rounds 3 --duration 2s').
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "tests" / "data" / "apps" / "ab"
BASE_WORK = "WORK = 20_000"


@dataclass(frozen=True)
class Trial:
    kind: str  # "A/A" (unchanged copy) or "A/B" (slower handler)
    exit_status: int  # 1: a run's cell failed (its round is left out of both sides; the rest is judged)
    flagged: bool  # a row of ab.json is a regression: beyond PCT, and significant
    verdicts: dict[str, str]  # metric -> verdict
    ratios: dict[str, float | None]  # metric -> B/A
    cis: dict[str, list[float] | None] = field(default_factory=dict)  # metric -> [lo, hi] of B/A


def copies(out: Path, slower: float) -> dict[str, Path]:
    """The unchanged copy and the slower one, next to the results."""
    source = (APP / "a" / "service.py").read_text()
    found = {}
    for kind, factor in (("A/A", 1.0), ("A/B", slower)):
        directory = out / ("same" if factor == 1.0 else "slower")
        directory.mkdir(parents=True, exist_ok=True)
        work = f"WORK = {round(20_000 * factor)}"
        (directory / "service.py").write_text(source.replace(BASE_WORK, work))
        found[kind] = directory
    return found


def trial(kind: str, b_dir: Path, out: Path, args: argparse.Namespace) -> Trial:
    done = subprocess.run(
        [sys.executable, "-m", "lab", "ab", str(APP / "a"), str(b_dir), "--app", "service:app",
         "--locustfile", str(APP / "locustfile.py"), "--scenarios", "WorkUser", "--rounds", str(args.rounds),
         "--duration", args.duration, "--users", str(args.users), "--fail-on-regression", str(args.pct),
         "--mode", args.mode, "--swap-every", args.swap_every,
         "--generator-processes", "1",  # 10 users of a ~2 ms handler: one Locust process is plenty
         "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if done.returncode not in (0, 1, 3) or not (out / "ab.json").is_file():
        raise SystemExit(f"lab ab failed ({done.returncode}) in {out}:\n{done.stderr[-2000:]}")
    rows = json.loads((out / "ab.json").read_text())["scenarios"]
    return Trial(
        kind, done.returncode, any(r["regression"] for r in rows),
        {r["metric"]: r["verdict"] for r in rows}, {r["metric"]: r["ratio"] for r in rows},
        {r["metric"]: r["ci"] for r in rows},
    )  # fmt: skip


def widths(trials: list[Trial], limit: float = 0.07) -> dict[str, dict[str, float]]:
    """Per metric, over the A/A trials: the intervals' half-widths relative to the ratio (median, max),
    and the share of intervals that hold 1.0 and are narrower than +-`limit` (issue 22's second bar)."""
    found = {}
    for metric in ("rps", "p95_ms", "cpu_ms"):
        pairs = [(t.ratios.get(metric), t.cis.get(metric)) for t in trials if t.kind == "A/A"]
        rows = [(r, ci) for r, ci in pairs if r and ci]
        if not rows:
            continue
        half = sorted((ci[1] - ci[0]) / 2 / r for r, ci in rows)
        good = sum(ci[0] <= 1 <= ci[1] and (ci[1] - ci[0]) / 2 / r < limit for r, ci in rows)
        found[metric] = {
            "half_width_median": round(half[len(half) // 2], 4),
            "half_width_max": round(half[-1], 4),
            "holds_1_and_within_limit": round(good / len(rows), 2),
        }
    return found


def rates(trials: list[Trial]) -> dict[str, float]:
    """The share of A/A trials flagged (false alarms) and of A/B trials flagged (catches)."""
    found = {}
    for kind, name in (("A/A", "false_alarm_rate"), ("A/B", "catch_rate")):
        chosen = [t for t in trials if t.kind == kind]
        found[name] = sum(t.flagged for t in chosen) / len(chosen) if chosen else 0.0
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=10, help="trials of each kind (default: 10)")
    parser.add_argument("--rounds", type=int, default=5, help="lab ab --rounds (default: 5)")
    parser.add_argument("--duration", default="5s", help="lab ab --duration (default: 5s)")
    parser.add_argument("--users", type=int, default=10, help="lab ab --users (default: 10)")
    parser.add_argument("--slower", type=float, default=1.2, help="the A/B handler's work (default: 1.2)")
    parser.add_argument(
        "--mode", choices=["duet", "sequential"], default="duet", help="lab ab --mode (default: duet)"
    )
    parser.add_argument(
        "--swap-every", default="100ms",
        help="lab ab --swap-every (default: 100ms; 0: the sides share every core)",
    )  # fmt: skip
    parser.add_argument("--pct", type=float, default=10.0, help="--fail-on-regression (default: 10)")
    parser.add_argument("--out", type=Path, default=Path("results") / "bench-ab")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.rounds < 3 or args.slower <= 1:
        parser.error("--trials >= 1, --rounds >= 3 and --slower > 1")
    dirs = copies(args.out, args.slower)
    trials: list[Trial] = []
    for i in range(args.trials):
        for kind in ("A/A", "A/B") if i % 2 == 0 else ("A/B", "A/A"):
            found = trial(
                kind, dirs[kind], args.out / f"trial-{i + 1}-{'same' if kind == 'A/A' else 'slower'}", args
            )
            trials.append(found)
            print(f"{kind} {i + 1}: exit {found.exit_status}, {found.verdicts}, {found.ratios}", flush=True)
    spread = widths(trials)
    summary = {**rates(trials), "widths": spread, "args": {k: str(v) for k, v in vars(args).items()},
               "trials": [asdict(t) for t in trials]}  # fmt: skip
    (args.out / "bench.json").write_text(json.dumps(summary, indent=2) + "\n")
    alarms, caught = summary["false_alarm_rate"], summary["catch_rate"]
    print(f"false alarms at {args.pct:g}%: {alarms:.0%} of {args.trials} unchanged copies; caught: "
          f"{caught:.0%} of {args.trials} with a handler {args.slower - 1:.0%} slower")  # fmt: skip
    for metric, w in spread.items():
        print(
            f"unchanged copies, {metric}: half-width median {w['half_width_median']:.1%}, max "
            f"{w['half_width_max']:.1%}; holding 1.0 within +-7%: {w['holds_1_and_within_limit']:.0%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
