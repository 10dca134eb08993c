"""The result set of a comparison on disk: summary.json (the source of truth, lab.compare.results.summary),
summary.csv, summary.md.

Every file is rewritten after each cell, so a run stopped at any point keeps what it completed;
`lab report DIR` renders everything again from summary.json.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tabulate import tabulate

from lab.compare import explain_app, rerun
from lab.compare.results import flags, summary
from lab.compare.results.summary import Cell, Summary
from lab.shared.output import atomic_write, fmt
from lab.shared.provenance import Meta

# The columns of summary.csv and summary.md, in order (fields of a Cell).
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


CI_COLUMNS = {"rps": ("rps_ci", "req/s 95% CI"), "p95_ms": ("p95_ci", "p95 95% CI")}


def md_columns(cells: list[Cell]) -> list[tuple[str, str]]:
    """MD_COLUMNS, with each interval after its value when a cell has one (--repeat 3 or more)."""
    if not any(c.rps_ci for c in cells):
        return list(MD_COLUMNS)
    found = []
    for key, title in MD_COLUMNS:
        found += [(key, title), *([CI_COLUMNS[key]] if key in CI_COLUMNS else [])]
    return found


NO_WAIT = "constant(0)"  # lab.loadgen.wait's text for a class that does not wait


def waits_text(wait_times: dict[str, str]) -> str:
    """The user classes' waits as Locust sees them: "no wait" only when none waits (the lab's own users,
    or classes at constant(0)); one class: "wait between(0.5, 1.5)"; several: each by name."""
    if all(w == NO_WAIT for w in wait_times.values()):
        return "no wait"
    if len(set(wait_times.values())) == 1:
        return f"wait {next(iter(wait_times.values()))}"
    return "wait " + ", ".join(f"{name} {w}" for name, w in wait_times.items())


def title(meta: Meta) -> str:
    """The command that made the run, and when: "lab compare, <time>" or "lab run, <time>"."""
    return f"{'lab run' if meta.service is not None else 'lab compare'}, {meta.started}"


def timing_text(meta: Meta) -> str:
    """How long each cell ran: the durations asked, or the load shape's own length."""
    if meta.service is not None and meta.service.shape:
        return f"each cell as long as the shape (at most {meta.duration_s} s)"
    return f"{meta.duration_s} s per cell after {meta.warmup_s} s warm-up"


def load_text(meta: Meta) -> str:
    """What each cell sent: "20 users, spawn rate 20/s (closed loop, no wait)", "4, 16, 64 users, spawn
    rate = users/s (closed loop, wait between(0.5, 1.5))", or the rates. Locust spawns every user in the
    first second (lab.runtime.headless: --spawn-rate is the user count)."""
    if meta.service is not None and meta.service.shape:
        return f"the locustfile's load shape {meta.service.shape} (it set the users and ended each run)"
    swept = meta.sweeps.get("users", [])
    users = ", ".join(swept) or str(meta.users)
    spawn = "spawn rate = users/s" if len(swept) > 1 else f"spawn rate {users}/s"
    if not meta.rates:
        return f"{users} users, {spawn} (closed loop, {waits_text(meta.wait_times)})"
    rates = ", ".join(f"{r:g}" for r in meta.rates)
    return f"open model at {rates} req/s ({users} users sending)"


def value(cell: Cell, key: str) -> str:
    """A table cell: a field of the cell, or one derived for display ("counts", "flags")."""
    if key == "counts":
        return flags.counts(cell)
    if key == "flags":
        return ", ".join(flags.names(cell))
    if key == "config":  # with the load when the run swept it: uvicorn-single@users=50
        return cell.point
    if key in ("rps_ci", "p95_ci"):
        interval = getattr(cell, key)
        return "" if interval is None else f"[{fmt(interval[0])}, {fmt(interval[1])}]"
    return fmt(getattr(cell, key))


def write(out: Path, result: Summary) -> None:
    """Write summary.json, summary.csv and summary.md into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    summary.save(out, result)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(cell.model_dump(include=set(COLUMNS)) for cell in result.cells)
    atomic_write(out / "summary.csv", buffer.getvalue())
    atomic_write(out / "summary.md", markdown(result))


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub Markdown table. Cells are not padded to a column width (a failure's reason can be long,
    and the rows stay greppable: `| u · io-sync | 200 |`); a `|` or a newline in a cell is neutralised."""

    def clean(text: str) -> str:
        return text.replace("|", "/").replace("\n", " ")

    body = [[clean(text) for text in row] for row in rows]
    table: str = tabulate(
        body, headers, tablefmt="github", stralign=None, numalign=None, disable_numparse=True
    )
    return table


def markdown(result: Summary) -> str:
    meta, rows, columns = result.meta, [], md_columns(result.cells)
    for cell in result.cells:
        row = [value(cell, key) for key, _ in columns]
        if cell.status != "ok":
            row[-1] = f"FAILED: {cell.error or ''}"
        rows.append(row)
    lines = [
        f"# {title(meta)}",
        "",
        f"{meta.machine.cores} cores; {meta.pinning.note}; {load_text(meta)}, {timing_text(meta)}; "
        f"commit {meta.git_commit or 'unknown'}.",
        "",
        md_table([title for _, title in columns], rows),
    ]
    explained = explain_app.sentences(result.cells)
    if explained:
        lines += [
            "",
            "A user's scenarios, explained (Little's law, service time at one user, binding resource):",
            "",
        ]
        lines += [f"- {sentence}." for sentence in explained]
    for table in explain_app.handler_tables(result.cells):
        lines += ["", f"Per handler, {table.title}:", "", md_table(table.columns, table.rows)]
    checked = rerun.sentences(result.cells)
    if checked:
        lines += ["", f"{rerun.TITLE}:", ""]
        lines += [f"- {sentence}." for sentence in checked]
    notes = flags.notes(result.cells)
    if notes:
        lines += ["", "Flagged cells (read their numbers with care):", ""]
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"
