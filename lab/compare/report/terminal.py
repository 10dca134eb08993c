"""What `lab compare` prints when it ends: a table that fits a terminal of 100 columns, then the sentences
under it, wrapped: each cell's likely bottleneck, what won, where the model disagrees, flags, failures.

summary.md keeps every column (a file is read in an editor or on a Markdown page); the terminal keeps the
numbers a reader compares across rows, and says the rest in lines of its own (issue 26 §3).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

from tabulate import tabulate

from lab.compare import explain, explain_app, noise, rerun
from lab.compare.report import tables
from lab.compare.results import flags, summary
from lab.compare.results.summary import Cell

WIDTH = 100
# (field of a Cell, or one tables.value derives; title), as in summary.md, the comparable numbers only.
COLUMNS = [
    ("config", "config"), ("scenario", "scenario"), ("rps", "req/s"), ("ceiling_rps", "ceiling"),
    ("efficiency", "eff."), ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"), ("p99_ms", "p99 ms"),
    ("failures", "fail"),
]  # fmt: skip
_NARROWEST = 4  # a column is never wrapped narrower


def fit(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int = WIDTH, text_columns: int = 1
) -> str:
    """A plain table at most `width` columns wide: the widest columns (header or values) wrap until it
    fits, a name after its `[` and commas. The first `text_columns` columns are left-aligned, the others
    (numbers) right-aligned."""
    count = len(headers)
    limits = [max([len(row[i]) for row in rows] + [len(headers[i])]) for i in range(count)]
    align = ["left"] * text_columns + ["right"] * (count - text_columns)
    while True:
        table: str = tabulate(
            [[_wrap(text, limits[i]) for i, text in enumerate(row)] for row in rows],
            [_wrap(text, limits[i]) for i, text in enumerate(headers)],
            tablefmt="simple", colalign=align, disable_numparse=True,
        )  # fmt: skip
        widest = max(range(count), key=lambda i: limits[i])
        if max(len(line) for line in table.splitlines()) <= width or limits[widest] <= _NARROWEST:
            return table
        limits[widest] -= 1


def _wrap(text: str, width: int) -> str:
    """`text` in lines of at most `width`: at spaces, or for a name (no space) after `[` and commas,
    e.g. gunicorn-multi[threadpool=100, / workers=4]; a piece longer than a line is cut."""
    if len(text) <= width:
        return text
    if " " in text:
        return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False))
    lines = [""]
    for piece in re.findall(r"[^\[,]+[\[,]?|[\[,]", text):
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return "\n".join(cut for line in lines for cut in textwrap.wrap(line, width, break_on_hyphens=False))


def _wrapped(text: str, prefix: str = "- ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=prefix, subsequent_indent=" " * len(prefix),
                         break_on_hyphens=False)  # fmt: skip


def cells_table(cells: Sequence[Cell]) -> str:
    """The cells' comparable numbers, a row each; a failed cell says FAILED (its reason comes under)."""
    rows = []
    for c in cells:
        row = [tables.value(c, key) for key, _ in COLUMNS]
        if c.status != "ok":
            row[2] = "FAILED"
        rows.append(row)
    return fit([title for _, title in COLUMNS], rows, text_columns=2)


def summary_text(out: Path) -> str:
    """What `lab compare` prints at the end: the table, then what won and where the model disagrees."""
    found = summary.load(out)
    meta, cells = found.meta, found.cells
    lines = [tables.title(meta), ""]
    lines += textwrap.wrap(
        f"{meta.machine.cores} cores; {meta.pinning.note}; {tables.load_text(meta)}, "
        f"{tables.timing_text(meta)}; commit {meta.git_commit or 'unknown'}.",
        WIDTH,
    )
    lines += ["", cells_table(cells), ""]
    ok = [c for c in cells if explain.ok(c)]
    if ok:
        lines.append("Likely bottleneck:")
        for c in ok:
            lines += _wrapped(f"{explain.label(c)}: {c.bottleneck}")
    explained = explain_app.sentences(cells)
    if explained:
        lines += [
            "",
            "A user's scenarios, explained (Little's law, service time at one user, binding resource):",
        ]
        for sentence in explained:
            lines += _wrapped(f"{sentence}.")
    for table in explain_app.handler_tables(cells):
        lines += ["", f"Per handler, {table.title}:", "", fit(table.columns, table.rows, text_columns=2)]
    checked = rerun.sentences(cells)
    if checked:
        lines += ["", *_wrapped(f"{rerun.TITLE}:", prefix="")]
        for sentence in checked:
            lines += _wrapped(f"{sentence}.")
    notes = flags.notes(cells)
    if notes:
        lines += ["", "Flagged cells (read their numbers with care):"]
        for note in notes:
            lines += _wrapped(note)
    sentences = (
        explain.winners(cells) + explain.pairs(cells) + explain.generator(cells) + explain.efficiency(cells)
    )
    if sentences:
        lines.append("")
        for sentence in sentences:
            lines += _wrapped(f"{sentence}.")
    lines += _spread_lines(cells)
    failed = [c for c in cells if c.status != "ok"]
    if failed:
        lines.append("")
        for c in failed:
            lines += _wrapped(f"FAILED {explain.label(c)}: {c.error}")
    if meta.interrupted:
        lines += _wrapped(f"Interrupted: {len(cells)} cells completed.")
    return "\n".join(lines)


def _spread_lines(cells: list[Cell]) -> list[str]:
    """With --repeat: each cell's req/s over its runs, and how far apart they were."""
    repeated = [c for c in cells if explain.ok(c) and len(c.rps_runs) > 1]
    if not repeated:
        return []
    lines = ["", "Spread over repeated runs (the median run stands for the cell):"]
    for c in repeated:
        runs = ", ".join(f"{r:.0f}" for r in c.rps_runs)
        ci = ""
        if c.rps_ci and c.p95_ci:
            ci = (f"; 95% CI req/s [{c.rps_ci[0]:.0f}, {c.rps_ci[1]:.0f}], "
                  f"p95 [{c.p95_ci[0]:.0f}, {c.p95_ci[1]:.0f}] ms")  # fmt: skip
        lines += _wrapped(f"{explain.label(c)}: req/s {runs}; spread {c.rps_spread or 0:.0%}{ci}")
    for sentence in noise.sentences(cells):
        lines += _wrapped(f"{sentence}.")
    return lines
