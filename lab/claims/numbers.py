"""What an experiment returns: its numbers by name, the median over repeats, and the error it raises."""

from __future__ import annotations

import statistics

Numbers = dict[str, float | None]


class ExperimentError(RuntimeError):
    """An experiment could not measure (server died, Locust failed); the message says which."""


def median_of(runs: list[Numbers]) -> Numbers:
    """Each number's median over repeated runs (None if any run lacks it)."""
    return {
        key: None if any(r[key] is None for r in runs) else statistics.median(r[key] or 0.0 for r in runs)
        for key in runs[0]
    }


# -- the kinds ---------------------------------------------------------------------------------------------
