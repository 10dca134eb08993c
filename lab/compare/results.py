"""The result set of a comparison on disk: summary.json (the source of truth), summary.csv, summary.md.

Every file is rewritten after each cell, so a run stopped at any point keeps what it completed;
`lab report DIR` renders everything again from summary.json.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tabulate import tabulate

from lab.compare import flags
from lab.shared.output import atomic_write, fmt

SCHEMA = 1
# The columns of summary.csv and summary.md, in order (every cell record has at least these keys).
COLUMNS = [
    "config", "scenario", "users", "duration_s", "requests", "failures", "rps", "p50_ms", "p95_ms",
    "p99_ms", "server_cpu_s", "loop_lag_p99_ms", "threadpool_in_use_max", "threadpool_waiting_max",
    "workers_busy", "ceiling_rps", "efficiency", "generator_saturated", "server_requests", "abandoned",
    "unaccounted", "reconciled", "expected_wait_s", "steady_state", "status", "error",
]  # fmt: skip
MD_COLUMNS = [
    ("config", "config"), ("scenario", "scenario"), ("rps", "req/s"), ("ceiling_rps", "ceiling"),
    ("efficiency", "eff."), ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"), ("p99_ms", "p99 ms"),
    ("failures", "fail"), ("server_cpu_s", "srv CPU s"), ("loop_lag_p99_ms", "lag p99 ms"),
    ("threadpool_in_use_max", "tokens max"), ("threadpool_waiting_max", "waiting max"),
    ("counts", "client + abandoned = server"), ("flags", "flags"), ("bottleneck", "likely bottleneck"),
]  # fmt: skip


def value(cell: dict[str, Any], key: str) -> str:
    """A table cell: a field of the cell record, or one derived for display ("counts", "flags")."""
    if key == "counts":
        return flags.counts(cell)
    if key == "flags":
        return ", ".join(flags.names(cell))
    return fmt(cell.get(key))


def write(out: Path, meta: dict[str, Any], cells: list[dict[str, Any]]) -> None:
    """Write summary.json, summary.csv and summary.md into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "summary.json", json.dumps({"schema": SCHEMA, "meta": meta, "cells": cells}, indent=2))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(cells)
    atomic_write(out / "summary.csv", buffer.getvalue())
    atomic_write(out / "summary.md", markdown(meta, cells))


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub Markdown table. Cells are not padded to a column width (a failure's reason can be long,
    and the rows stay greppable: `| u · io-sync | 200 |`); a `|` or a newline in a cell is neutralised."""

    def clean(text: str) -> str:
        return text.replace("|", "/").replace("\n", " ")

    body = [[clean(text) for text in row] for row in rows]
    return tabulate(body, headers, tablefmt="github", stralign=None, numalign=None, disable_numparse=True)


def markdown(meta: dict[str, Any], cells: list[dict[str, Any]]) -> str:
    rows = []
    for cell in cells:
        row = [value(cell, key) for key, _ in MD_COLUMNS]
        if cell.get("status") != "ok":
            row[-1] = f"FAILED: {cell.get('error', '')}"
        rows.append(row)
    lines = [
        f"# lab compare, {meta.get('started', '')}",
        "",
        f"{meta.get('machine', {}).get('cores', '?')} cores; {meta.get('pinning', {}).get('note', '')}; "
        f"{meta.get('users', '?')} users, {meta.get('duration_s', '?')} s per cell after "
        f"{meta.get('warmup_s', '?')} s warm-up; commit {meta.get('git_commit') or 'unknown'}.",
        "",
        md_table([title for _, title in MD_COLUMNS], rows),
    ]
    notes = flags.notes(cells)
    if notes:
        lines += ["", "Flagged cells (read their numbers with care):", ""]
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


class ResultsError(ValueError):
    """A directory that holds no readable comparison."""


def load(out: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(meta, cells) of a result directory written by `write`."""
    path = out / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{out} holds no summary.json: not a `lab compare` result directory") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise ResultsError(f"{path} is not a `lab compare` summary")
    return data.get("meta", {}), data["cells"]
