"""Sentences and per-handler tables for the cells of a user's scenarios (issue 11 §4).

Pure functions, like `explain`: cells in, sentences and table rows out. Only cells that carry handlers (a
user's scenario) are tabled here; every cell's diagnosis is lab.model's (`Cell.bottleneck`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.compare.explain import label, num, ok
from lab.compare.results.measured import HandlerRow
from lab.compare.results.summary import Cell
from lab.shared.output import fmt

HANDLER_COLUMNS = [
    "handler", "kind", "client requests", "abandoned", "server requests", "share", "mean ms (load)",
    "p95 ms (load)", "time ms (1 user)", "CPU ms (1 user)", "loop ms (1 user)",
]  # fmt: skip


def app_cells(cells: Sequence[Cell]) -> list[Cell]:
    return [c for c in cells if ok(c) and c.handlers]


def cell_sentence(cell: Cell) -> str:
    """What the cell measured (Little's law, the time at one user) and its one diagnosis (lab.model's)."""
    parts = [f"{label(cell)}: {num(cell.rps, 'req/s')}"]
    if cell.concurrency is not None and cell.mean_ms is not None:
        parts[0] += (
            f" x {num(cell.mean_ms, 'ms')} mean latency = {num(cell.concurrency)} requests in flight "
            f"(Little's law) for {cell.users} users"
        )
    if cell.service_ms is not None:
        parts.append(f"time in the server at one user {num(cell.service_ms, 'ms')}")
    if cell.think_ms:
        parts.append(f"think time {num(cell.think_ms, 'ms')}")
    parts.append(
        f"bound by {cell.bottleneck}" if cell.binding not in (None, "unexplained") else str(cell.bottleneck)
    )
    return "; ".join(parts)


def sentences(cells: Sequence[Cell]) -> list[str]:
    """One sentence per cell of a user's scenario, then what the server served that Locust did not ask."""
    found = [cell_sentence(c) for c in app_cells(cells)]
    for c in app_cells(cells):
        extra = [r for r in c.handlers if not r.requested]
        if extra:
            served = ", ".join(f"{r.handler} ({r.server_requests})" for r in extra)
            found.append(
                f"{label(c)}: also served (not requested by the load generator, left out of the counts): "
                f"{served}"
            )
        if c.unmapped:
            found.append(
                f"{label(c)}: request names that match no route: {', '.join(c.unmapped)} (counts compared "
                "over every handler the server served)"
            )
    return found


def _row(r: HandlerRow) -> list[str]:
    kind = r.kind + (" (thread pool)" if r.threadpool and r.kind != "def" else "")
    return [
        r.handler if r.requested else f"{r.handler} (also served)",
        kind,
        fmt(r.client_requests) if r.requested else "",
        fmt(r.abandoned) if r.requested else "",
        fmt(r.server_requests),
        "" if r.share is None else f"{r.share:.0%}",
        fmt(r.mean_ms),
        fmt(r.p95_ms),
        fmt(r.service_ms),
        fmt(r.cpu_ms),
        fmt(r.loop_ms),
    ]


@dataclass(frozen=True)
class HandlerTable:
    title: str  # the cell's label
    columns: list[str]
    rows: list[list[str]]


def handler_tables(cells: Sequence[Cell]) -> list[HandlerTable]:
    """A table per cell whose scenario calls several endpoints (or whose server served others too)."""
    return [
        HandlerTable(label(c), HANDLER_COLUMNS, [_row(r) for r in c.handlers])
        for c in app_cells(cells)
        if len(c.handlers) > 1
    ]
