"""Locust's failures at the end of a run, complete: a Locust plugin, loaded by `import lab.loadgen.failures`.

Locust's `--csv PREFIX` rewrites `PREFIX_failures.csv` once a second while it runs and not when it quits, so
a short run's file misses its last second (a 2 s cell: a third of its failures). When Locust quits (after
the workers' last reports, in a master), this writes `PREFIX_failures.json`: one row per (method, name,
error) as Locust's failures table has it, `{"method", "name", "error", "occurrences"}`, the error as
Locust's own text (`HTTPError('404 Client Error: ...')`). Nothing without `--csv`, nothing in a worker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypedDict

from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner
from locust.stats import StatsError


class FailureRow(TypedDict):
    """One row of Locust's failures table, as PREFIX_failures.json holds it."""

    method: str | None
    name: str
    error: str
    occurrences: int


def rows(environment: Environment) -> list[FailureRow]:
    runner = environment.runner
    if runner is None:
        return []
    return [
        FailureRow(
            method=e.method, name=e.name, error=StatsError.parse_error(e.error), occurrences=e.occurrences
        )
        for e in runner.stats.errors.values()
    ]


def write(environment: Environment) -> None:
    prefix = getattr(environment.parsed_options, "csv_prefix", None)
    if not prefix or isinstance(environment.runner, WorkerRunner):
        return
    Path(f"{prefix}_failures.json").write_text(json.dumps(rows(environment)))


@events.init.add_listener
def _on_init(environment: Environment, **_kw: Any) -> None:
    environment.events.quit.add_listener(lambda **_: write(environment))
