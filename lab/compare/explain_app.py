"""Sentences and per-handler tables for the cells of a user's scenarios (issue 11 §4).

Pure functions, like `explain`: cells in, sentences and table rows out. Only cells that carry handlers (a
user's scenario) are explained here; the catalogue's cells keep their own model and sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab.compare.explain import label, num, ok
from lab.compare.results.summary import Cell, HandlerRow
from lab.shared.output import fmt
from lab.shared.service import EXTERNAL

HANDLER_COLUMNS = [
    "handler", "kind", "client requests", "abandoned", "server requests", "share", "mean ms (load)",
    "p95 ms (load)", "service ms (1 user)",
]  # fmt: skip


def app_cells(cells: Sequence[Cell]) -> list[Cell]:
    return [c for c in cells if ok(c) and c.handlers]


def cell_sentence(cell: Cell) -> str:
    """What the cell measured and what held it, with the numbers (Little's law, service time, ceiling)."""
    parts = [f"{label(cell)}: {num(cell.rps, 'req/s')}"]
    if cell.concurrency is not None and cell.mean_ms is not None:
        parts[0] += (
            f" x {num(cell.mean_ms, 'ms')} mean latency = {num(cell.concurrency)} requests in flight "
            f"(Little's law) for {cell.users} users"
        )
    if cell.service_ms is not None:
        parts.append(f"service time at one user {num(cell.service_ms, 'ms')}")
    if cell.ceiling_rps is not None:
        parts.append(
            f"ceiling {num(cell.ceiling_rps, 'req/s')} ({cell.ceiling_formula}), "
            f"efficiency {num(cell.efficiency)}"
        )
    elif cell.server == EXTERNAL:
        parts.append("no ceiling (a running service: its workers and thread pool are not the lab's to know)")
    else:
        parts.append("no ceiling (no service time was measured: calibration off or too short)")
    parts.append(f"binding resource: {cell.bottleneck}")
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
