"""`python -m bench.model_check`: lab.model against real runs of an app, the old efficiency beside it.

    python -m bench.model_check --app catalog:app --app-dir tests/data/apps/orm_catalog \
        --locustfile tests/data/apps/orm_catalog/locustfile.py --configs uvicorn-single,gunicorn-multi \
        --users 20 --duration 5s --out results/model-orm

Two `lab compare` runs through the lab's own runtime, one after the other: one user (the service
demands: R0 as Locust saw it, server CPU per request, each handler's time at one user, the event loop's
lag) into OUT/one-user, then the load asked for into OUT/load. Think time comes from Locust
(`locust_think_seconds` in each run's snapshot). Then, per cell, lab.model's ceiling, binding resource,
utilizations and efficiency next to the old `efficiency`; printed as a table and written to OUT/model.json.
Reads summary.json as plain JSON, so it outlives the layout of lab.compare. Not a test: a bench.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from lab.measure.idle import idle_cores
from lab.measure.machine import MachineCpu, usable_cores
from lab.model.explain import Verdict, grown, judge
from lab.model.inputs import Capacity, Demands, Load, Resource
from lab.model.measured import HandlerAtOneUser, class_demands, in_cell_cpu_ms
from lab.model.mva import sweep
from lab.model.verify import predict
from lab.runtime.launcher import Server
from lab.runtime.provenance import free_port
from lab.shared.configs import get, load_catalogue
from lab.shared.target import AppTarget

LAB = [sys.executable, "-m", "lab"]


def compare(
    args: argparse.Namespace, out: Path, users: int | str, duration: str, extra: list[str]
) -> dict[str, Any]:
    workload = (
        ["--app", args.app, "--app-dir", str(args.app_dir), "--locustfile", str(args.locustfile)]
        if args.app
        else ["--scenarios", args.scenarios]
    )
    command = [
        *LAB, "compare", *workload, "--configs", args.configs, "--users", str(users),
        "--duration", duration, "--out", str(out), *extra,
    ]  # fmt: skip
    print("$", " ".join(command[2:]), file=sys.stderr, flush=True)
    with MachineCpu() as machine:
        subprocess.run(command, check=True, timeout=1800, stdout=subprocess.DEVNULL)
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    for cell in summary["cells"]:  # what the whole machine used while the cell's users were sending
        window = _snapshot(out, cell, ("locust_test_start_time_seconds", "locust_test_stop_time_seconds"))
        cell["machine_busy_cores"] = machine.busy_cores((window[0], window[1])) if all(window) else None
    (out / "machine.json").write_text(
        json.dumps({f"{c['config']}|{c['scenario']}": c["machine_busy_cores"] for c in summary["cells"]})
    )
    return summary


def idle(args: argparse.Namespace, out: Path) -> dict[str, float]:
    """Per configuration: the cores its idle server uses while watched as a cell is (lab.measure.idle)."""
    catalogue, found = load_catalogue(), {}
    target = AppTarget(args.app, False, str(args.app_dir.resolve())).resolved() if args.app else None
    out.mkdir(parents=True, exist_ok=True)
    for name in args.configs.split(","):
        with Server(
            get(catalogue, name), port=free_port(), log=out / f"{name}.idle.log", target=target
        ) as server:
            found[name] = idle_cores(server)
    (out / "idle.json").write_text(json.dumps(found))
    return found


def _snapshot(out: Path, cell: dict[str, Any], names: tuple[str, ...]) -> list[float]:
    """Samples of the Locust snapshot of the cell's first run (its only one here), 0 where absent."""
    point = cell["config"] + "".join(f"@{k}={v}" for k, v in cell.get("swept", {}).items() if k in ("users",))
    found = sorted((out / "logs").glob(f"{point}__*__1.prom"))
    values = dict.fromkeys(names, 0.0)
    for path in found[:1]:
        for family in text_string_to_metric_families(path.read_text()):
            for sample in family.samples:
                if sample.name in values:
                    values[sample.name] += sample.value
    return [values[n] for n in names]


def think(out: Path, cell: dict[str, Any]) -> tuple[float, int]:
    """(mean think ms, gaps) from locust_think_seconds of the cell's run."""
    total, count = _snapshot(out, cell, ("locust_think_seconds_sum", "locust_think_seconds_count"))
    return (total / count * 1000 if count else 0.0), int(count)


# The catalogue's scenarios carry no handler rows: their one handler's kind is known by name.
POOLED = ("io-sync", "cpu-sync", "fanout-sync", "db-sync", "background", "cpu-thread")


def demands(one: dict[str, Any], floor: float) -> Demands:
    """A cell at one user -> the class's demands (lab.model.measured's rule); `floor`: the idle server's."""
    rows = [r for r in one.get("handlers", []) if r["requested"] and r.get("share") and r.get("mean_ms")]
    if not one.get("handlers"):  # a catalogue scenario: one handler, Locust's time for the server's
        rows = [{"share": 1.0, "mean_ms": one["mean_ms"], "threadpool": one["scenario"].startswith(POOLED)}]
    return class_demands(
        wall_ms=one["mean_ms"], rps=one["rps"], server_cores=one.get("server_cores"), idle_cores=floor,
        loop_lag_p99_ms=one.get("loop_lag_p99_ms"),
        handlers=[HandlerAtOneUser(r["share"], r["mean_ms"], r["threadpool"]) for r in rows],
    )  # fmt: skip


def measured(cell: dict[str, Any], capacity: Capacity) -> dict[Resource, float]:
    """Utilizations the lab saw in the cell itself (not from the demands)."""
    seen: dict[Resource, float] = {}
    if cell.get("server_cores") is not None:
        seen["cpu"] = cell["server_cores"] / capacity.cpu_servers
    if cell.get("generator_busiest_cpu") is not None:
        seen["generator"] = cell["generator_busiest_cpu"]
    if cell.get("threadpool_waiting_max"):  # requests waited for a token: the pool was all in use
        seen["threadpool"] = (cell.get("threadpool_in_use_max") or 0) / (
            capacity.workers * capacity.threadpool
        )
    return seen


def capacity_of(summary: dict[str, Any], cell: dict[str, Any]) -> Capacity:
    """Usable cores: the server's when pinned; else the machine's less what Locust and the machine's other
    processes used while the cell's users were sending."""
    meta = summary["meta"]
    pinned = meta["pinning"].get("server")
    if pinned:
        cores = float(len(pinned))
    else:
        server, generator = cell.get("server_cores") or 0.0, cell.get("generator_cpu") or 0.0
        busy = cell.get("machine_busy_cores")
        others = busy - server - generator if busy is not None else 0.0
        cores = usable_cores(meta["machine"]["cores"], generator, others)
    return Capacity(workers=cell["workers"], usable_cores=cores, threadpool=cell["threadpool"])


def row(
    one_user: dict[str, Any], load: dict[str, Any], one_out: Path, load_out: Path, floor: dict[str, float]
) -> list[dict[str, Any]]:
    calibration = {(c["config"], c["scenario"]): c for c in one_user["cells"] if c["status"] == "ok"}
    rows = []
    for cell in load["cells"]:
        one = calibration.get((cell["config"], cell["scenario"]))
        entry: dict[str, Any] = {
            "config": cell["config"], "scenario": cell["scenario"], "rps": cell.get("rps"),
            "old_efficiency": cell.get("efficiency"), "old_limit": cell.get("limit"),
            "old_bottleneck": cell.get("bottleneck"), "status": cell["status"],
        }  # fmt: skip
        if cell["status"] != "ok" or one is None or not cell.get("rps"):
            rows.append(entry)
            continue
        d = demands(one, floor.get(cell["config"], 0.0))
        think_ms, gaps = think(load_out, cell)
        if not gaps:
            think_ms, gaps = think(one_out, one)
        cap = capacity_of(load, cell)
        # The bound uses the CPU per request the cell itself measured (the utilization law read backwards,
        # D = B / C over the cell's window: Lazowska ch. 3) where there is one; `demands` stays the
        # one-user figure (the contract, the MVA curve); --verify's prediction starts from the cell's.
        in_cell = in_cell_cpu_ms(cell.get("server_cores"), cell["rps"])
        bound_d = dataclasses.replace(d, cpu_ms=in_cell) if in_cell else d
        # The cell's window is Locust's test start to stop, its users already sending from the start (the
        # catalogue's io cells at 20 users fit the window's count with no spawn offset, within 1%).
        users = Load(users=cell["users"], think_ms=think_ms, window_s=cell["duration_s"])
        verdict: Verdict = judge(cell["rps"], bound_d, cap, users, measured=measured(cell, cap))
        prediction = predict(verdict.binding, bound_d, cap, users) if verdict.binding else None
        failures = (cell.get("failures") or 0) / max(cell.get("requests") or 1, 1)
        # The curve a users sweep predicts at this cell's N: MVA over the one-user demands (steady state).
        curve = sweep(d, cap, think_ms, [cell["users"]])
        entry |= {
            "demands": asdict(d), "cpu_ms_in_cell": in_cell, "idle_cores": floor.get(cell["config"]),
            "machine_busy_cores": cell.get("machine_busy_cores"), "think_ms": think_ms, "think_gaps": gaps,
            "usable_cores": cap.usable_cores,
            "ceiling_rps": verdict.ceiling_rps, "ceiling_formula": verdict.ceiling_formula,
            "binding": verdict.binding, "efficiency": verdict.efficiency, "utilization": verdict.utilization,
            "measured": verdict.measured, "grown": grown(verdict), "failure_ratio": failures,
            "mva_rps": curve[0].rps, "users": cell["users"],
            "verify": None if prediction is None else {
                "knob": prediction.knob, "before": prediction.before, "after": prediction.after,
                "predicted_rps": prediction.rps, "then": prediction.binding,
            },
        }  # fmt: skip
        rows.append(entry)
    return rows


def _f(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def table(name: str, rows: list[dict[str, Any]]) -> str:
    lines = [
        "| app | config | users | req/s | MVA req/s | old eff. | new ceiling | new eff. | binding | think ms "
        "| R0 ms | CPU ms (1 user / cell) | pool ms | loop ms | usable cores | utilization (law; measured) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        app = r["scenario"] if name == "catalogue" else name
        if "binding" not in r:
            lines.append(
                f"| {app} | {r['config']} | {_f(r['rps'])} | {_f(r['old_efficiency'])} | | | {r['status']} |"
            )
            continue
        d = r["demands"]
        law = ", ".join(f"{k} {v:.2f}" for k, v in r["utilization"].items())
        seen = ", ".join(f"{k} {v:.2f}" for k, v in r["measured"].items())
        seen += "".join(f" ({k} {v:.1f}x its demand)" for k, v in r["grown"].items())
        lines.append(
            f"| {app} | {r['config']} | {r['users']} | {_f(r['rps'])} | {_f(r['mva_rps'])} "
            f"| {_f(r['old_efficiency'])} | {_f(r['ceiling_rps'])} "
            f"| {_f(r['efficiency'])} | {r['binding']} | {_f(r['think_ms'])} | {_f(d['wall_ms'])} "
            f"| {_f(d['cpu_ms'])} / {_f(r['cpu_ms_in_cell'])} | {_f(d['threadpool_ms'])} "
            f"| {_f(d['loop_ms'])} | {_f(r['usable_cores'])} | {law}; {seen} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_check", description=__doc__.splitlines()[0])
    parser.add_argument("--app", help="a user's app (with --app-dir, --locustfile); else --scenarios")
    parser.add_argument("--app-dir", type=Path)
    parser.add_argument("--locustfile", type=Path)
    parser.add_argument(
        "--scenarios", default="io-sync,io-async,cpu-sync", help="the catalogue's, without --app"
    )
    parser.add_argument("--configs", required=True)
    parser.add_argument("--users", required=True, help="N, or a sweep N1,N2,...")
    parser.add_argument("--duration", default="5s")
    parser.add_argument("--one-user", default="4s", help="the one-user run's duration (default 4s)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", help="the app's name in the table (default: --app-dir's name)")
    parser.add_argument("--reuse", action="store_true", help="read OUT's two runs again, run nothing")
    args = parser.parse_args(argv)
    one_out, load_out = args.out / "one-user", args.out / "load"
    if args.reuse:
        one_user = json.loads((one_out / "summary.json").read_text())
        load = json.loads((load_out / "summary.json").read_text())
        for out, summary in ((one_out, one_user), (load_out, load)):
            busy = json.loads((out / "machine.json").read_text()) if (out / "machine.json").exists() else {}
            for c in summary["cells"]:
                c["machine_busy_cores"] = busy.get(f"{c['config']}|{c['scenario']}")
        path = args.out / "idle" / "idle.json"
        floor = json.loads(path.read_text()) if path.exists() else idle(args, args.out / "idle")
    else:
        if args.out.exists() and any(args.out.iterdir()):
            parser.error(f"--out {args.out}: not empty (nothing is overwritten; --reuse reads it)")
        floor = idle(args, args.out / "idle")
        one_user = compare(args, one_out, 1, args.one_user, ["--calibrate", "0"])
        load = compare(args, load_out, args.users, args.duration, [])
    rows = row(one_user, load, one_out, load_out, floor)
    (args.out / "model.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(table(args.name or (args.app_dir.name if args.app_dir else "catalogue"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
