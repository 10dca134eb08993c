"""A result directory as the report reads it: summary.json, cells/*.json, cells/*.hgrm and claims.json,
as a `Run`.

The report's sections (report.py) and its charts (figures.py) both read a `Run`; neither reads the other.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.compare import explain
from lab.compare.report import charts
from lab.compare.results import summary
from lab.compare.results.summary import Cell
from lab.compare.results.verdicts import Verdict
from lab.runtime.latency import percentiles
from lab.shared.provenance import Meta
from lab.shared.scenarios import slug
from lab.shared.timeline import CellSeries, HistoryPoint, TimelinePoint

Key = tuple[str, str]


@dataclass
class Run:
    """A result directory as the report reads it."""

    out: Path
    meta: Meta
    cells: list[Cell]
    details: dict[Key, CellSeries] = field(default_factory=dict)  # cells/<config>__<scenario>.json
    spectra: dict[Key, list[tuple[float, float]]] = field(default_factory=dict)  # cells/*.hgrm: (q, ms)
    claims: list[dict[str, Any]] | None = None
    claims_error: str | None = None
    checks: list[Verdict] = field(default_factory=list)  # the gates' verdicts (issue 12 §3)

    @property
    def configs(self) -> list[str]:
        """The points of the run (a configuration, at each load when the load was swept), in order."""
        named = [c.name for c in self.meta.configs]
        points = [[c.point for c in self.cells if c.config == name] or [name] for name in named]
        return list(dict.fromkeys([*(p for found in points for p in found), *(c.point for c in self.cells)]))

    @property
    def scenarios(self) -> list[str]:
        return list(dict.fromkeys([*self.meta.scenarios, *explain.scenarios(self.cells)]))

    def color(self, scenario: str) -> str:
        return charts.PALETTE[self.scenarios.index(scenario) % len(charts.PALETTE)]

    def kinds(self) -> dict[str, list[str]]:
        """Endpoint kind -> its scenarios that have a cell, in run order."""
        kinds: dict[str, list[str]] = {}
        for scenario in self.scenarios:
            cell = next((c for c in self.cells if c.scenario == scenario), None)
            if cell is not None:
                kinds.setdefault(cell.kind or scenario, []).append(scenario)
        return kinds

    def history(self, key: Key) -> list[HistoryPoint]:
        return self.details[key].history if key in self.details else []

    def timeline(self, key: Key) -> list[TimelinePoint]:
        return self.details[key].server_timeline if key in self.details else []


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load(out: Path) -> Run:
    found = summary.load(out)
    run = Run(out, found.meta, found.cells, checks=found.checks)
    for cell in found.cells:
        path = out / "cells" / f"{cell.point}__{slug(cell.scenario)}.json"
        # A failed cell, or a run killed mid-write: its panels say "no data".
        with contextlib.suppress(OSError, ValueError):
            run.details[cell.key] = CellSeries.model_validate_json(path.read_text(encoding="utf-8"))
        with contextlib.suppress(OSError):  # none before issue 25, nor for a failed cell
            run.spectra[cell.key] = percentiles(path.with_suffix(".hgrm").read_text(encoding="utf-8"))
    claims = out / "claims.json"
    if claims.is_file():
        try:
            data = _read_json(claims)
            items = data.get("claims") if isinstance(data, dict) else data
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ValueError("expected a list of {id, claim, verdict, evidence} objects")
            run.claims = items
        except (OSError, ValueError) as exc:
            run.claims_error = f"claims.json could not be read: {exc}"
    return run
