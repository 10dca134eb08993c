"""One `lab tune` from a checked request to its files and exit status (issue 23): the search, the capacity of
the pick, the USL fit, tune.json, tuned.toml, report.html.

Exit status: 0 a point meets every SLO; 3 none does (the closest named); 1 the search could not go on (its
first cell failed); 130 interrupted, with what was measured written. Usage errors (2) are the command's.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from lab.compare.results.checks import Check
from lab.compare.results.summary import Cell
from lab.compare.run.plan import Plan, PlanError
from lab.compare.run.points import LoadPoint
from lab.runtime import postgres
from lab.shared.provenance import command_line
from lab.tune import capacity, files, outcome, slo
from lab.tune.cells import Interrupted, Runner
from lab.tune.record import Tune
from lab.tune.search import NOISE, Candidate, Search, SearchError
from lab.tune.space import Space, largest, points


@dataclass(frozen=True)
class Request:
    plan: Plan  # the base configuration (configs[0]), the one scenario, the load, OUT
    space: Space
    slos: list[Check]
    budget: int
    capacity_steps: int = capacity.STEPS
    noise: float = NOISE


def candidates(request: Request) -> list[Candidate]:
    base = request.plan.configs[0]
    found = []
    for cfg in points(base, request.space):
        values = {k: str(getattr(cfg, k)) for k in request.space.keys}
        found.append(Candidate(cfg, values, cfg.resolved_workers()))
    return found


def tune(request: Request, runner: Runner | None = None) -> int:
    """Run the search and write its files; PlanError when its PostgreSQL cannot start. `runner`: how
    each point is measured (default: the compare runner, lab.tune.cells.Runner)."""
    plan = request.plan
    (plan.out / "logs").mkdir(parents=True, exist_ok=True)
    try:
        with postgres.database(plan.needs_postgres, log=plan.out / "logs" / "postgres.log") as url:
            plan.server_env.update({postgres.DATABASE_URL_ENV: url} if url else {})
            return _tune(request, runner or Runner(plan))
    except postgres.PostgresError as exc:
        raise PlanError(str(exc)) from None


def _tune(request: Request, runner: Runner) -> int:
    plan = request.plan
    pool = candidates(request)
    search = Search(
        pool, request.slos, request.budget, plan.max_failure_ratio,
        open_model=bool(plan.sweep.rates), noise=request.noise,
    )  # fmt: skip
    start = largest([c.config for c in pool], request.space)
    first = next(c for c in pool if c.config is start)
    first.note = "measured first: the most the space offers (its demands at one user calibrate the model)"
    found: capacity.Capacity | None = None
    code, interrupted = 0, False
    try:
        search.run(first, lambda c, calibrate: runner.measure(c.config, calibrate))
        pick = search.best()
        if pick is not None and request.capacity_steps > 0:
            found = _start(request)
            _capacity(request, runner, search, pick, found)
    except Interrupted:
        interrupted, code = True, 130
        search.stopped = search.stopped or "interrupted (Ctrl-C)"
    except KeyboardInterrupt:
        interrupted, code = True, 130
        search.stopped = "interrupted (Ctrl-C)"
    except SearchError:
        code = 1
    pick = search.best()
    if code == 0 and pick is None:
        code = 3
    result = record(request, search, pick, found, runner.count, code, interrupted)
    if code == 1:
        result.advice = f"The search could not go on: {search.stopped}."
    files.write(plan.out, result, pick.config if pick is not None else None, _why(pick, result))
    print(result.advice)
    print(f"tune:   {plan.out / 'tune.json'}\nreport: {plan.out / 'report.html'}")
    if pick is not None:
        print(f"tuned:  {plan.out / 'tuned.toml'}  (lab compare --configs-file ... --configs {files.TUNED})")
    return code


def _why(pick: Candidate | None, result: Tune) -> str:
    """tuned.toml's description: what the pick measured, under which load and SLOs."""
    if pick is None:
        return ""
    load = f"{result.rate:g} req/s offered" if result.rate else f"{result.users} users"
    slos = " and ".join(result.slos) or "no SLO"
    return f"{pick.rps:.4g} req/s at p95 {pick.p95:.4g} ms for {result.scenario} at {load} ({slos})"


def _start(request: Request) -> capacity.Capacity:
    """The capacity search's start: the load the pick met."""
    plan = request.plan
    if plan.sweep.rates:
        return capacity.Capacity("rate", plan.sweep.rates[0])
    return capacity.Capacity("users", float(plan.users))


def _capacity(
    request: Request, runner: Runner, search: Search, pick: Candidate, found: capacity.Capacity
) -> None:
    plan, unit = request.plan, found.unit

    def measure(load: float) -> Cell:
        point = LoadPoint(plan.users, load) if unit == "rate" else LoadPoint(int(load))
        print(f"capacity: {pick.config.name} at {load:g} {unit}", file=sys.stderr, flush=True)
        return runner.measure(pick.config, False, point)

    def meets(cell: Cell) -> bool:
        return not slo.missed(search.slos, cell, plan.max_failure_ratio)

    capacity.search(found, request.capacity_steps, measure, meets)


def record(
    request: Request, search: Search, pick: Candidate | None, found: capacity.Capacity | None,
    cells_run: int, code: int, interrupted: bool,
) -> Tune:  # fmt: skip
    plan = request.plan
    second, lost = outcome.runner_up(search, pick)
    near = outcome.closest_text(search) if pick is None else None
    said = outcome.Advice(pick, second, lost, found, near, outcome.slo_text(search))
    return Tune(
        command=command_line(), scenario=plan.scenarios[0].name, users=plan.users,
        rate=plan.sweep.rates[0] if plan.sweep.rates else None, slos=[s.expr for s in search.slos],
        space=request.space.keys, grid_cells=len(search.candidates), budget=request.budget,
        cells_measured=len(search.measured), capacity_cells=cells_run - len(search.measured),
        stopped=search.stopped, pick=pick.config.name if pick else None,
        runner_up=second.config.name if second else None, runner_up_lost=lost, closest=near,
        capacity=outcome.capacity_record(found), usl=outcome.usl(search, pick, found),
        advice=outcome.advice(said), interrupted=interrupted, exit_status=code,
        points=[outcome.point(c, "cells") for c in search.candidates],
    )  # fmt: skip
