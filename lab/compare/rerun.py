"""What `lab compare --verify` reruns for a cell (issue 21 §3): the model's view of the cell (its binding
resource, demands, capacity and load), and lab.model.verify's prediction with the binding knob doubled.

`view` is the one place that reads the model's inputs off a cell: the verdict stored with it (`binding`,
`demands`, `usable_cores`, `think_ms`), else rebuilt (a result without them): the catalogue's scenarios
from what each one is written to hold for its `ms` (the table below), a user's scenario from its
handlers' service times at one user, the usable cores as what Locust left, and
lab.model.explain.judge names the binding resource. Either way the CPU bound uses the cell's own CPU per
request (D = B / C over the cell's window, lab.model.measured.in_cell_cpu_ms), as the cell's verdict does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from lab.compare.results.summary import Cell
from lab.compare.results.verified import sentence
from lab.measure.machine import usable_cores
from lab.model.explain import judge
from lab.model.inputs import Binding, Capacity, Demands, Load, ModelInputError, Resource
from lab.model.measured import in_cell_cpu_ms
from lab.model.verify import TOLERANCE, Prediction, predict

# What one request of a catalogue scenario holds, each for the scenario's `ms` (x n calls for fan-out);
# its wall time is that too. The CPU is the cell's own where it was measured.
HELD: dict[str, tuple[str, ...]] = {
    "io-sync": ("threadpool_ms",), "io-sync-model": ("threadpool_ms",), "io-async": (),
    "io-blocking": ("loop_ms",), "cpu-sync": ("cpu_ms", "threadpool_ms"),
    "cpu-thread": ("cpu_ms", "threadpool_ms"), "cpu-async": ("cpu_ms", "loop_ms"),
    "cpu-process": ("cpu_ms", "process_pool_ms"), "db-sync": ("db_pool_ms", "threadpool_ms"),
    "db-async": ("db_pool_ms",), "db-blocking": ("db_pool_ms", "loop_ms"),
    "fanout-sync": ("threadpool_ms",), "fanout-async": (),
}  # fmt: skip


@dataclass(frozen=True)
class View:
    """The model's account of one cell: what binds, and the inputs that say so."""

    binding: Binding
    demands: Demands
    capacity: Capacity
    load: Load
    cores: int  # what `view` was given: the server's cores (pinned) or the machine's
    pinned: bool


def _catalogue_demands(cell: Cell) -> Demands | None:
    held = HELD.get(cell.scenario)
    ms = float(cell.params.get("ms", 0))
    if held is None or ms <= 0:
        return None
    wall = ms * cell.params.get("n", 1) if cell.scenario == "fanout-sync" else ms
    return Demands(wall_ms=wall, **dict.fromkeys(held, wall))


def _app_demands(cell: Cell) -> Demands | None:
    """A user's scenario: the class's service time at one user, and the share of it that holds a token."""
    rows = [r for r in cell.handlers if r.requested and r.share and r.service_ms is not None]
    total = sum(r.share or 0 for r in rows)
    if cell.service_ms is None or total <= 0:
        return None
    pooled = sum((r.share or 0) * (r.service_ms or 0) for r in rows if r.threadpool) / total
    return Demands(wall_ms=cell.service_ms, threadpool_ms=pooled)


def _capacity(cell: Cell, demands: Demands, usable: float, db_pool: int | None) -> Capacity:
    return Capacity(
        workers=cell.workers, usable_cores=usable, threadpool=cell.threadpool,
        db_pool=db_pool if demands.db_pool_ms else None,
        process_pool=cell.process_pool if demands.process_pool_ms else None,
    )  # fmt: skip


def usable(cell: Cell, cores: int, pinned: bool) -> float:
    """The cores the cell's server could use: as the cell measured them, else what Locust left."""
    stored: float | None = getattr(cell, "usable_cores", None)
    if stored:
        return stored
    return float(cores) if pinned else usable_cores(cores, cell.generator_cpu or 0.0, 0.0)


def _in_cell(cell: Cell, demands: Demands) -> Demands:
    cpu_ms = in_cell_cpu_ms(cell.server_cores, cell.rps)
    return replace(demands, cpu_ms=cpu_ms) if cpu_ms else demands


def _binding(cell: Cell, demands: Demands, capacity: Capacity, load: Load) -> Binding | None:
    seen: dict[Resource, float] = {}
    if cell.generator_busiest_cpu is not None:
        seen["generator"] = cell.generator_busiest_cpu
    return judge(cell.rps or 0.0, demands, capacity, load, measured=seen).binding


def _demands(cell: Cell) -> Demands | None:
    """The one-user demands the cell carries (lab.compare.diagnosis), else rebuilt (see the module)."""
    stored: dict[str, float] = getattr(cell, "demands", None) or {}
    if stored:
        return Demands(**{f"{k.removesuffix('_ms')}_ms": v for k, v in stored.items()})
    return _catalogue_demands(cell) if cell.kind not in ("custom", "endpoint") else _app_demands(cell)


def view(cell: Cell, db_pool: int | None, cores: int, pinned: bool) -> View | str:
    """The model's view of `cell`, or why there is none. `db_pool`: the configuration's connections per
    worker; `cores`: the server's (pinned) or the machine's (Locust's share is taken off)."""
    if cell.status != "ok" or not cell.rps:
        return "the cell did not run"
    try:
        found = _demands(cell)
        if found is None:
            return "no service demands for this scenario"
        demands = _in_cell(cell, found)
        capacity = _capacity(cell, demands, usable(cell, cores, pinned), db_pool)
        think = getattr(cell, "think_ms", None) or 0.0
        load = Load(users=cell.users, think_ms=think, rate=cell.target_rps, window_s=cell.duration_s or None)
    except ModelInputError as exc:
        return str(exc)
    binding: Binding | None = getattr(cell, "binding", None) or _binding(cell, demands, capacity, load)
    if binding is None:
        return "no bound applies"
    return View(binding, demands, capacity, load, cores, pinned)


def after(found: View, made: Prediction, rerun: Cell) -> View | str:
    """The rerun's own view: the cell's demands (at one user no knob changes them) with the rerun's CPU
    per request, the capacity and load `made` predicted for, what the machine left the rerun's server."""
    if rerun.status != "ok" or not rerun.rps:
        return "the rerun did not run"
    demands = _in_cell(rerun, found.demands)
    capacity = replace(made.capacity, usable_cores=usable(rerun, found.cores, found.pinned))
    binding = _binding(rerun, demands, capacity, made.load)
    if binding is None:
        return "no bound applies"
    return View(binding, demands, capacity, made.load, found.cores, found.pinned)


def prediction(found: View, usable_cores: float | None = None) -> Prediction | str:
    """The rerun `found` asks for, or why none can verify it; with `usable_cores`, the cores the rerun's
    server could use (what the machine left it then) in place of the cell's."""
    if found.binding in ("generator", "unexplained"):
        return f"{found.binding} names no knob"
    capacity = found.capacity
    if usable_cores is not None:
        capacity = replace(capacity, usable_cores=usable_cores)
    made = predict(found.binding, found.demands, capacity, found.load)
    return made if made is not None else f"no knob of the configuration or the load relieves {found.binding}"


TITLE = (
    f"Verified (--verify): each binding resource's knob doubled; confirmed when the rerun's req/s is within "
    f"{TOLERANCE:.0%} of the model's prediction"
)


def sentences(cells: Sequence[Cell]) -> list[str]:
    """Each verified cell's sentence (report, summary.md, terminal), in the cells' order."""
    return [sentence(c.label, c.verified, c.verify) for c in cells if c.verified and c.verify]
