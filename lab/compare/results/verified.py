"""What `lab compare --verify` found for a cell (issue 21 §3): the binding resource's knob doubled, the
throughput the model predicted then, and what a rerun measured. Its own module so that summary.py holds
it without importing the code that runs the reruns (lab.compare.run.verify)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lab.model.verify import Knob, Outcome


class Rerun(BaseModel):
    """The cell's rerun with its binding resource's knob doubled; `verified` on the cell is the verdict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    binding: str | None = Field(
        None,
        description='The binding resource the cell was judged by, the one verified ("gil": an unexplained '
        "cell's CPU-bound threads contending for each worker's GIL); None: no verdict.",
    )
    knob: Knob | None = Field(None, description="What the rerun changed; None: no knob relieves it.")
    before: float | None = Field(None, description="The knob's value in the cell.")
    after: float | None = Field(
        None, description='The knob\'s value in the rerun (doubled; 1 thread per worker for "gil").'
    )
    point: str | None = Field(
        None,
        description="The rerun's point, e.g. threadpool-starved[threadpool=8] or uvicorn-single@users=40.",
    )
    rps: float | None = Field(None, description="The cell's req/s, the rerun's starting point.")
    predicted_rps: float | None = Field(None, description="The model's ceiling with the knob doubled.")
    predicted_binding: str | None = Field(None, description="What the model says binds then.")
    measured_rps: float | None = Field(None, description="What the rerun served.")
    usable_cores: float | None = Field(None, description="The cores the cell's server could use.")
    rerun_usable_cores: float | None = Field(
        None, description="The cores the rerun's server could use (the prediction counts the cell's)."
    )
    rerun_binding: str | None = Field(None, description="The binding resource of the rerun itself.")
    rerun_workers_busy: float | None = Field(
        None,
        description="How many workers the rerun's work was spread over (total CPU / the busiest worker's).",
    )
    reason: str | None = Field(None, description="Why the cell is not verifiable, or why its rerun failed.")

    @property
    def unspread(self) -> bool:
        """More workers in the rerun, but its work stayed on fewer than 3/4 of them."""
        busy, after = self.rerun_workers_busy, self.after
        return self.knob == "workers" and busy is not None and after is not None and busy < 0.75 * after

    @property
    def moved(self) -> float | None:
        """The rerun's req/s over the prediction (1: as predicted)."""
        if self.measured_rps is None or not self.predicted_rps:
            return None
        return self.measured_rps / self.predicted_rps


def sentence(label: str, verified: Outcome, rerun: Rerun) -> str:
    """One cell's verification in words, both numbers in it (report, summary.md, terminal)."""
    if verified == "not verifiable":
        bound = f"bound by {rerun.binding}, " if rerun.binding else ""
        return f"{label}: {bound}not verifiable ({rerun.reason or 'no knob relieves it'})"
    change = f"{rerun.knob} {rerun.before:g} -> {rerun.after:g}"
    then = f"{rerun.predicted_binding} binding then" if rerun.predicted_binding else ""
    measured = f"measured {rerun.measured_rps:.4g} req/s" + (
        f" ({rerun.rerun_binding} binding)" if rerun.rerun_binding else ""
    )
    text = (
        f"{label}: bound by {rerun.binding} at {rerun.rps or 0:.4g} req/s; {change}: predicted "
        f"{rerun.predicted_rps or 0:.4g} req/s ({then}), {measured}, {rerun.moved or 0:.2f} of the "
        f"prediction: {verified}"
    )
    if rerun.unspread:
        text += (
            f" (the rerun's work went to {rerun.rerun_workers_busy:.2f} of its {rerun.after:g} workers: "
            "Locust's keep-alive connections stay on the worker that accepted them)"
        )
    return text
