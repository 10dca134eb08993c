"""What `lab compare` prints when it ends: the table, then what won and where the model disagrees."""

from __future__ import annotations

from pathlib import Path

from lab.compare import explain
from lab.compare.report import tables
from lab.compare.results import summary
from lab.compare.results.summary import Cell


def summary_text(out: Path) -> str:
    """What `lab compare` prints at the end: the table, then what won and where the model disagrees."""
    found = summary.load(out)
    meta, cells = found.meta, found.cells
    lines = [tables.markdown(found)]
    notes = (
        explain.winners(cells) + explain.pairs(cells) + explain.generator(cells) + explain.efficiency(cells)
    )
    # A user's app: its sentences and per-handler tables are part of the markdown above, not repeated.
    lines += [f"- {sentence}." for sentence in notes]
    lines += _spread_lines(cells)
    failed = [c for c in cells if c.status != "ok"]
    lines += [f"- FAILED {explain.label(c)}: {c.error}" for c in failed]
    if meta.interrupted:
        lines.append(f"- Interrupted: {len(cells)} cells completed.")
    return "\n".join(lines)


def _spread_lines(cells: list[Cell]) -> list[str]:
    """With --repeat: each cell's req/s over its runs, and how far apart they were."""
    repeated = [c for c in cells if explain.ok(c) and len(c.rps_runs) > 1]
    if not repeated:
        return []
    lines = ["", "Spread over repeated runs (the median run stands for the cell):", ""]
    for c in repeated:
        runs = ", ".join(f"{r:.0f}" for r in c.rps_runs)
        lines.append(f"- {explain.label(c)}: req/s {runs}; spread {c.rps_spread or 0:.0%}")
    return lines
