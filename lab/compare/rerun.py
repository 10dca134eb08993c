"""What `lab compare --verify` reruns for a cell (issue 21 §3): the model's view of the cell (its binding
resource, demands, capacity and load), and lab.model.verify's prediction with the binding knob doubled.

`view` reads the model's inputs off a cell, as lab.compare.diagnosis stored them: `binding`, `demands`
(at one user), `usable_cores`, `think_ms`. Like the cell's own verdict, the CPU bound uses the cell's own
CPU per request (D = B / C over the cell's window, lab.model.measured.in_cell_cpu_ms). A rerun keeps the
cell's demands (at one user no knob changes them); its own binding is judged with its CPU per request and
the cores the machine left it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from lab.compare import diagnosis
from lab.compare.results.summary import Cell
from lab.compare.results.verified import sentence
from lab.measure.machine import usable_cores
from lab.model import gil
from lab.model.inputs import Binding, Capacity, Demands, Load, ModelInputError
from lab.model.measured import in_cell
from lab.model.verify import TOLERANCE, Prediction, fewer_threads, predict, sharing


@dataclass(frozen=True)
class View:
    """The model's account of one cell: what binds, and the inputs that say so."""

    binding: Binding
    demands: Demands
    capacity: Capacity
    load: Load
    cores: int  # what `view` was given: the server's cores (pinned) or the machine's
    pinned: bool
    contended: bool = False  # CPU-bound threads shared each worker's GIL while cores idled (lab.model.gil)
    generator_ms: float = 0.0  # Locust's CPU per request in the cell (its cores over req/s)


def _capacity(cell: Cell, demands: Demands, usable: float, db_pool: int | None) -> Capacity:
    return Capacity(
        workers=cell.workers, usable_cores=usable, threadpool=cell.threadpool,
        db_pool=db_pool if demands.db_pool_ms else None,
        process_pool=cell.process_pool if demands.process_pool_ms else None,
        spread=diagnosis.spread(cell.workers_busy), worker_cores=cell.worker_busiest_cpu,
    )  # fmt: skip


def usable(cell: Cell, cores: int, pinned: bool) -> float:
    """The cores the cell's server could use: as the cell measured them (what Locust left), else the same
    from its Locust's CPU."""
    if cell.usable_cores:
        return cell.usable_cores
    return float(cores) if pinned else usable_cores(cores, cell.generator_cpu or 0.0)


def _demands(cell: Cell) -> Demands | None:
    """The demands at one user the cell carries (lab.compare.diagnosis: "wall", "cpu", ... in ms)."""
    if not cell.demands:
        return None
    return Demands(**{f"{name}_ms": ms for name, ms in cell.demands.items()})


def view(cell: Cell, db_pool: int | None, cores: int, pinned: bool) -> View | str:
    """The model's view of `cell`, or why there is none. `db_pool`: the configuration's connections per
    worker; `cores`: the server's (pinned) or the machine's (Locust's share is taken off)."""
    if cell.status != "ok" or not cell.rps:
        return "the cell did not run"
    try:
        found = _demands(cell)
        if found is None or cell.binding is None:
            return "no demands measured at one user (the calibration was off or too short)"
        demands = in_cell(found, cell.server_cores, cell.loop_busy, cell.rps)
        capacity = _capacity(cell, demands, usable(cell, cores, pinned), db_pool)
        load = Load(
            users=cell.users, think_ms=cell.think_ms or 0.0, rate=cell.target_rps,
            window_s=cell.duration_s or None,
        )  # fmt: skip
    except ModelInputError as exc:
        return str(exc)
    seen = gil.contention(cell.threadpool_in_use_max, cell.server_cores, cell.other_cores, found, capacity)
    locust = (cell.generator_cpu or 0.0) / cell.rps * 1000
    return View(cell.binding, demands, capacity, load, cores, pinned, seen is not None, locust)


def after(found: View, made: Prediction, rerun: Cell) -> View | str:
    """The rerun diagnosed as every cell is (lab.compare.diagnosis), with the cell's demands at one user
    (no knob changes them): the capacity `made` predicted for, the cores the rerun's server had."""
    if rerun.status != "ok" or not rerun.rps:
        return "the rerun did not run"
    capacity = replace(made.capacity, usable_cores=usable(rerun, found.cores, found.pinned))
    seen = diagnosis.CellLoad(
        users=rerun.users, rate=rerun.target_rps, think_ms=rerun.think_ms or 0.0, duration_s=rerun.duration_s,
        rps=rerun.rps, server_cores=rerun.server_cores, generator_busiest_cpu=rerun.generator_busiest_cpu,
        generator_saturated=rerun.generator_saturated, threadpool_in_use_max=rerun.threadpool_in_use_max,
        threadpool_waiting_max=rerun.threadpool_waiting_max, other_cores=rerun.other_cores,
        mean_ms=rerun.mean_ms, loop_busy=rerun.loop_busy,
    )  # fmt: skip
    judged = diagnosis.diagnose(seen, found.demands, capacity, think_ms=made.load.think_ms)
    binding = judged.verdict.binding
    if binding is None:
        return "no bound applies"
    demands = in_cell(found.demands, rerun.server_cores, rerun.loop_busy, rerun.rps)
    return View(binding, demands, judged.capacity, made.load, found.cores, found.pinned)


def prediction(found: View) -> Prediction | str:
    """The rerun `found` asks for, or why none can verify it: everything but the knob is the cell's (its
    demands, think time and the cores Locust left its server), the knob doubled (one thread per worker
    for an unexplained cell whose threads contended for the GIL)."""
    if found.binding == "unexplained" and found.contended:
        made = fewer_threads(found.demands, found.capacity, found.load)
        if made is None:
            return "unexplained: one thread per worker already"
    elif found.binding in ("generator", "unexplained"):
        return f"{found.binding} names no knob"
    elif (made := predict(found.binding, found.demands, found.capacity, found.load)) is None:
        return f"no knob of the configuration or the load relieves {found.binding}"
    return made if found.pinned else sharing(made, found.demands, float(found.cores), found.generator_ms)


TITLE = (
    f"Verified (--verify): each binding resource's knob doubled; confirmed when the rerun's req/s is within "
    f"{TOLERANCE:.0%} of the model's prediction"
)


def sentences(cells: Sequence[Cell]) -> list[str]:
    """Each verified cell's sentence (report, summary.md, terminal), in the cells' order."""
    return [sentence(c.label, c.verified, c.verify) for c in cells if c.verified and c.verify]
