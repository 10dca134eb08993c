"""`lab compare --verify` (issue 21 §3): after every cell ran, rerun each one whose binding resource is a
knob of the configuration (workers, threadpool, db_pool, process_pool) or of the load (users; the rate of
an open model) with that knob doubled, and say whether throughput moved as the model predicted.

A rerun is a comparison of its own (one configuration, one scenario, one load point) in
OUT/verify/<point>__<scenario>/, through the same runner as every cell: a configuration knob is a
`--set`-style override (`threadpool-starved[threadpool=8]`), a load knob the cell's users or rate doubled.
Its req/s within lab.model.verify.TOLERANCE of the prediction confirms the binding resource; otherwise
refuted. A cell the model names no knob for (the generator, unexplained), or whose rerun failed, is
`not verifiable`, with the reason. Neither changes the exit status.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from lab.compare import rerun
from lab.compare.results import flags
from lab.compare.results.summary import Cell
from lab.compare.results.verified import Rerun
from lab.compare.run.gates import Gates
from lab.compare.run.plan import Plan
from lab.compare.run.points import LoadPoint, Sweep, fmt_rate
from lab.compare.run.runner import Comparison
from lab.model.verify import Prediction, outcome
from lab.shared.configs import ConfigError, ServerConfig
from lab.shared.scenarios import Scenario

MAX_USERS = 5000  # lab compare's own bound on --users


@dataclasses.dataclass(frozen=True)
class Planned:
    """One rerun: the configuration and the load it runs at, and what the model predicts there."""

    config: ServerConfig
    scenario: Scenario
    point: LoadPoint
    name: str  # the rerun's point, e.g. threadpool-starved[threadpool=8], uvicorn-single@users=40
    prediction: Prediction


def planned(cell: Cell, cfg: ServerConfig, scenario: Scenario, found: rerun.View) -> Planned | str:
    """The rerun that verifies `cell`'s binding resource, or why there is none."""
    made = rerun.prediction(found)
    if isinstance(made, str):
        return made
    after = made.after
    if made.knob in ("users", "rate"):
        users = int(after) if made.knob == "users" else cell.users
        if users > MAX_USERS:
            return f"{users} users is over lab compare's {MAX_USERS}"
        point = LoadPoint(users, after if made.knob == "rate" else cell.target_rps)
        suffix = f"@users={users}" if made.knob == "users" else f"@rate={fmt_rate(after)}"
        return Planned(cfg, scenario, point, cfg.name + suffix, made)
    try:
        doubled = cfg.with_overrides({made.knob: str(int(after))})
    except ConfigError as exc:
        return str(exc)
    return Planned(doubled, scenario, LoadPoint(cell.users, cell.target_rps), doubled.name, made)


def sub_plan(plan: Plan, original: ServerConfig, rerun_of: Planned, out: Path) -> Plan:
    """The plan of one rerun: the same app, options and generator as the cell, its knob doubled; no
    calibration (the demands at one user are the cell's: no knob changes them)."""
    point = rerun_of.point
    return dataclasses.replace(
        plan, configs=[rerun_of.config], scenarios=[rerun_of.scenario], users=point.users,
        sweep=Sweep(rates=[point.rate] if point.rate is not None else []), repeat=1, out=out, calibrate_s=0,
        targets={**plan.targets, rerun_of.config.name: plan.target(original)}, gates=Gates(),
        baseline=None, verify=False,
    )  # fmt: skip


def unverifiable(cell: Cell, found: rerun.View | str, reason: str) -> Cell:
    """The cell marked `not verifiable`, with the reason."""
    binding = found.binding if isinstance(found, rerun.View) else None
    figures = Rerun(binding=binding, rps=cell.rps, reason=reason)
    return cell.model_copy(update={"verified": "not verifiable", "verify": figures})


def verified(cell: Cell, found: rerun.View, rerun_of: Planned, after: Cell | None) -> Cell:
    """The cell with its verdict and the rerun's figures (`after`: the rerun's cell, if it ran)."""
    made = rerun_of.prediction
    seen = rerun.after(found, made, after) if after is not None else None
    after_view = seen if isinstance(seen, rerun.View) else None
    measured = after.rps if after is not None and after.status == "ok" else None
    failed = f"the rerun failed: {after.error if after else 'not run'}"
    figures = Rerun(
        binding=made.verifies or found.binding, knob=made.knob, before=made.before, after=made.after,
        point=rerun_of.name,
        rps=cell.rps, predicted_rps=round(made.rps, 3), predicted_binding=made.binding,
        measured_rps=measured, usable_cores=found.capacity.usable_cores,
        rerun_usable_cores=after_view.capacity.usable_cores if after_view is not None else None,
        rerun_binding=after_view.binding if after_view is not None else None,
        rerun_workers_busy=after.workers_busy if after is not None and after.status == "ok" else None,
        reason=None if measured is not None else failed,
    )  # fmt: skip
    return cell.model_copy(update={"verified": outcome(made.rps, measured), "verify": figures})


def _one(comparison: Comparison, cell: Cell) -> Cell | None:
    """`cell` verified (its rerun run, if it has one); None: interrupted."""
    plan = comparison.plan
    cfg = next(c for c in plan.configs if c.name == cell.config)
    scenario = next(s for s in plan.scenarios if s.name == cell.scenario)
    pinned = bool(comparison.pinning.server)
    found = (
        rerun.view(cell, cfg.db_pool, comparison.cores, pinned)
        if not flags.failing(cell)
        else "a failing cell is not verified"
    )
    if isinstance(found, str):
        return unverifiable(cell, found, found)
    rerun_of = planned(cell, cfg, scenario, found)
    if isinstance(rerun_of, str):
        return unverifiable(cell, found, rerun_of)
    print(
        f"verify {cell.label}: bound by {found.binding}; rerun as {rerun_of.name}, predicted "
        f"{rerun_of.prediction.rps:.4g} req/s",
        file=sys.stderr, flush=True,
    )  # fmt: skip
    out = plan.out / "verify" / f"{rerun_of.name}__{scenario.slug}"
    again = Comparison(sub_plan(plan, cfg, rerun_of, out))
    if not again.run():
        return None
    return verified(cell, found, rerun_of, again.cells[0] if again.cells else None)


def run(comparison: Comparison) -> bool:
    """Verify every cell of `comparison` (after it ran), saving as each is done; False if interrupted."""
    for i, cell in enumerate(comparison.cells):
        try:
            done = _one(comparison, cell)
        except KeyboardInterrupt:
            done = None
        if done is None:
            comparison.meta.interrupted = True
            comparison.save()
            return False
        comparison.cells[i] = done
        comparison.save()
    return True
