"""The model-guided search of `lab tune` (issue 23), over any way of measuring a point.

Measure where the space offers the most (the start); from its demands at one user predict every point;
then, until the budget is spent, measure the point predicted best, refine every prediction by how far the
model was off at the nearest measured point, and stop when the best point measured meets every SLO and no
point left is predicted to beat it by more than the noise. A point predicted to miss the SLOs, or not to
beat the best, is skipped with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lab.compare.results.checks import Check
from lab.compare.results.summary import Cell
from lab.shared.configs import ServerConfig
from lab.tune import predict, slo
from lab.tune.predict import Estimate, Model

NOISE = 0.05  # throughput within 5% is a tie: one short cell's run-to-run spread on a quiet machine


class SearchError(RuntimeError):
    """The search cannot go on: its first cell failed (no demands, nothing to predict from): exit 1."""


@dataclass
class Candidate:
    config: ServerConfig
    values: dict[str, str]  # the space's keys at this point
    workers: int
    raw: Estimate | None = None  # the model, before any refinement
    predicted: dict[str, float] = field(default_factory=dict)  # refined: rps, p95_ms, the SLOs' fields
    cell: Cell | None = None
    order: int | None = None  # 1: measured first
    missed: list[str] = field(default_factory=list)
    note: str = ""  # why it was skipped, or how it was chosen

    @property
    def meets(self) -> bool:
        return self.cell is not None and self.cell.status == "ok" and not self.missed

    @property
    def rps(self) -> float:
        return (self.cell.rps or 0.0) if self.cell is not None else 0.0

    @property
    def p95(self) -> float:
        value = self.cell.p95_ms if self.cell is not None else None
        return float("inf") if value is None else value


Measure = Callable[[Candidate, bool], Cell]  # (point, calibrate) -> its cell; KeyboardInterrupt passes


@dataclass
class Search:
    candidates: list[Candidate]
    slos: list[Check]
    budget: int
    max_failure_ratio: float
    open_model: bool = False
    noise: float = NOISE
    model: Model | None = None
    stopped: str = ""

    @property
    def measured(self) -> list[Candidate]:
        return sorted((c for c in self.candidates if c.order), key=lambda c: c.order or 0)

    def best(self) -> Candidate | None:
        """The best point measured that meets every SLO: the most req/s (an open model: of those within
        the noise of the most, the lowest p95)."""
        meeting = [c for c in self.measured if c.meets]
        if not meeting:
            return None
        top = max(meeting, key=lambda c: c.rps)
        if not self.open_model:
            return top
        return min((c for c in meeting if c.rps >= top.rps * (1 - self.noise)), key=lambda c: c.p95)

    def _record(self, candidate: Candidate, cell: Cell) -> None:
        candidate.cell = cell
        candidate.order = len(self.measured) + 1
        candidate.missed = slo.missed(self.slos, cell, self.max_failure_ratio)

    def refine(self) -> None:
        """Every unmeasured point's prediction, from the nearest measured point that ran."""
        ran = [c for c in self.measured if c.cell is not None and c.cell.status == "ok" and c.raw]
        fields = [s.field for s in self.slos]
        for c in self.candidates:
            if c.raw is None or not ran or c.order is not None:
                continue  # a measured point keeps what was predicted before it was measured
            near = min(ran, key=lambda m: predict.distance(c.values, m.values))
            assert near.raw is not None and near.cell is not None
            c.predicted = predict.refined(c.raw, near.raw, near.cell, fields)

    def beats(self, c: Candidate, best: Candidate) -> bool:
        if self.model is None:  # nothing to predict from: every point may win
            return True
        rps, p95 = c.predicted.get("rps", 0.0), c.predicted.get("p95_ms", float("inf"))
        if rps > best.rps * (1 + self.noise):
            return True
        return self.open_model and rps >= best.rps * (1 - self.noise) and p95 < best.p95 * (1 - self.noise)

    def next(self) -> Candidate | None:
        """The unmeasured point to measure next, or None (and why, in `stopped`)."""
        left = [c for c in self.candidates if c.order is None and c.predicted]
        best = self.best()
        hopeful = [c for c in left if slo.predicted_to_meet(self.slos, c.predicted)]
        for c in left:
            c.note = "" if c in hopeful else "predicted to miss an SLO"
        if best is not None:
            for c in hopeful:
                if not self.beats(c, best):
                    c.note = f"not predicted to beat {best.config.name} by more than {self.noise:.0%}"
            hopeful = [c for c in hopeful if self.beats(c, best)]
        if not hopeful and best is None:
            hopeful = left  # nothing meets yet: try what is predicted closest, whatever the model says
        if not hopeful:
            self.stopped = "no point left is predicted to beat the best measured by more than the noise"
            return None
        key = (lambda c: -c.predicted.get("p95_ms", 0.0)) if self.open_model else (lambda c: 0.0)
        return max(hopeful, key=lambda c: (c.predicted.get("rps", 0.0), key(c)))

    def run(self, first: Candidate, measure: Measure) -> None:
        """Search from `first` (calibrated) until a stop rule; SearchError when `first` fails."""
        self._record(first, measure(first, True))
        assert first.cell is not None
        self.model = predict.model_of(first.cell)
        if first.cell.status != "ok":
            self.stopped = f"the first cell failed: {first.cell.error}"
            raise SearchError(self.stopped)
        for c in self.candidates:
            c.raw = self.model.estimate(c.config, c.workers) if self.model is not None else None
            if c.raw is None:
                c.predicted = {"rps": 0.0} if c.order is None else {}  # no model: the grid's order
        while True:
            if len(self.measured) >= self.budget:
                self.stopped = f"the budget of {self.budget} cells is spent"
                return
            self.refine()
            chosen = self.next()
            if chosen is None:
                return
            chosen.note = "measured: predicted best of the points left"
            self._record(chosen, measure(chosen, False))


def closest(candidates: Sequence[Candidate], slos: list[Check]) -> tuple[Candidate, float] | None:
    """The measured point nearest to meeting every SLO, with its largest relative miss."""
    ran = [(c, slo.miss_ratio(slos, c.cell)) for c in candidates if c.cell is not None]
    return min(ran, key=lambda pair: pair[1]) if ran else None
