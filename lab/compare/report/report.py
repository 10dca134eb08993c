"""report.html of a result directory.

One self-contained page that opens offline: inline CSS and SVG charts, no script, no fonts, no network.
Everything comes from the files of the result directory (summary.json, cells/*.json, claims.json when
present), so `lab report DIR` renders the same page again from saved data. rundir.py reads them; this module
says what each section shows; lab.compare.report.figures and .charts draw the charts; templates/report.html.j2
lays the page out (autoescaped) and templates/report.css styles it.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from lab.compare import explain, explain_app, rerun
from lab.compare.report import diff as diffs
from lab.compare.report import figures, headline, internals, spectrum, tables
from lab.compare.report.rundir import Run, load
from lab.compare.results import flags, summary
from lab.compare.results.summary import Cell
from lab.shared.provenance import Meta

# -- what the page shows, section by section (templates/report.html.j2 lays it out) ---------------------


def _failed_cells(run: Run) -> list[Cell]:
    return [c for c in run.cells if c.status != "ok"]


def _load(meta: Meta) -> str:
    """What each cell was, in one line: under the verdict, and among the facts."""
    runs = (
        f"up to {meta.repeat} runs per cell (auto: until the intervals are within 5%)"
        if meta.repeat_auto
        else f"{meta.repeat} run(s) per cell"
    )
    return f"{tables.load_text(meta)}, {tables.timing_text(meta)}, {runs}"


def _facts(meta: Meta) -> list[tuple[str, str]]:
    machine = meta.machine
    return [
        ("started", f"{meta.started} (finished {meta.finished or 'not yet'})"),
        ("machine", f"{machine.cores} cores; {machine.platform} {machine.cpu}"),
        ("pinning", meta.pinning.note),
        ("load", _load(meta)),
        ("options", " ".join(f"{k} {v}" for k, v in meta.options.items()) or "defaults"),
        ("command", " ".join(meta.command)),
        ("git commit", meta.git_commit or "unknown"),
        ("versions", ", ".join(f"{k} {v}" for k, v in meta.versions.items())),
    ]  # fmt: skip


def _warnings(run: Run) -> list[str]:
    loads = max(1, len(run.meta.sweeps.get("users", []))) * max(1, len(run.meta.sweeps.get("rate", [])))
    expected = len(run.meta.configs) * len(run.meta.scenarios) * loads
    warnings = []
    if run.meta.interrupted:
        warnings.append(
            f"Interrupted (Ctrl-C): {len(run.cells)} of {expected} cells completed; "
            "this report holds only what finished."
        )
    elif not run.meta.finished:
        warnings.append(f"Run still in progress (or killed): {len(run.cells)} of {expected} cells so far.")
    failed = _failed_cells(run)
    if failed:
        names = ", ".join(explain.label(c) for c in failed)
        warnings.append(f"{len(failed)} cell(s) failed: {names}. Their reasons are under Failed cells.")
    return warnings + [note + "." for note in flags.notes(run.cells)]


def _over_time_sentences(run: Run) -> list[str]:
    histories = {key: run.history(key) for key in explain.index(run.cells)}
    sentences = internals.over_time(run.cells, histories)
    rows = max((len(internals.history_points(h)) for h in histories.values()), default=0)
    if run.cells and rows < 4:
        sentences.append(
            f"Locust writes one row per second and these cells left at most {rows} with a measurement: "
            "too few to see a trend (a longer --duration draws more); the server's dashed line, read every "
            "0.5 s, shows it"
        )
    return sentences


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple[str, list[str]]]  # its css class ("", "flagged", "failed"), its values


def _table(run: Run) -> Table:
    columns = tables.md_columns(run.cells)
    repeated = any(len(c.rps_runs) > 1 for c in run.cells)
    keys = [key for key, _ in columns]
    at = keys.index("rps_ci" if "rps_ci" in keys else "rps") + 1  # the spread after req/s (and its CI)
    if repeated:
        columns.insert(at, ("rps_spread", "spread"))
    rows = []
    for cell in run.cells:
        values = [tables.value(cell, key) for key, _ in columns]
        if repeated:
            values[at] = f"{cell.rps_spread or 0:.0%}" if explain.ok(cell) else ""
        css = "flagged" if flags.names(cell) else ""
        if cell.status != "ok":
            values[-1], css = f"FAILED: {cell.error or ''}", "failed"
        rows.append((css, values))
    return Table([title for _, title in columns], rows)


VERDICT_CSS = {
    **dict.fromkeys(("pass", "passed", "confirmed", "holds", "true"), "better"),
    **dict.fromkeys(("fail", "failed", "refuted", "false", "does not hold"), "worse"),
}  # anything else ("holds only when ...", "inconclusive: ...", "not measured") stays neutral
CLAIM_KEYS = ("id", "claim", "verdict", "evidence")
CHECK_CSS = {"passed": "better", "failed": "worse", "skipped": ""}


def _claims(run: Run) -> list[dict[str, str]]:
    rows = []
    for claim in run.claims or []:
        row = {k: v if isinstance(v := claim.get(k, ""), str) else json.dumps(v) for k in CLAIM_KEYS}
        rows.append({**row, "css": VERDICT_CSS.get(row["verdict"].strip().lower(), "")})
    return rows


# The page reads top-down (issue 14 §2): the verdict table (templates/report.html.j2, right under the
# title), then the charts, then the sentences, then every number; it ends with the provenance, the run's
# facts (issue 26 §3).
SECTIONS = {
    "throughput": "Throughput against the model",
    "sweeps": "Sweeps: req/s and p95 against each swept value",
    "app": "Your app, explained: per cell and per handler",
    "verified": "Verified: each binding knob doubled (--verify)",
    "latency": "Latency",
    "over-time": "Latency over time",
    "server": "Inside the server: thread pool and event loop",
    "won": "What won",
    "table": "All cells",
    "failed": "Failed cells",
    "checks": "Checks",
    "claims": "Claims checked",
    "baseline": "Against the baseline",
    "provenance": "Provenance: machine, versions, commit, command",
}
TEMPLATES = Environment(
    loader=PackageLoader("lab.compare.report", "templates"), autoescape=True,
    trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
)  # fmt: skip


def page(run: Run, baseline: Path | None = None) -> str:
    """The whole report.html of `run`; with `baseline`, a side-by-side section against it."""
    optional = ("checks", "claims", "baseline", "app", "sweeps", "verified")
    shown = [sid for sid in SECTIONS if sid not in optional]
    if run.meta.sweeps:
        shown.insert(shown.index("throughput"), "sweeps")
    if explain_app.app_cells(run.cells):
        shown.insert(shown.index("throughput") + 1, "app")
    verified = [(c, VERDICT_CSS.get(c.verified or "", "")) for c in run.cells if c.verify is not None]
    if verified:
        shown.insert(shown.index("latency"), "verified")
    if run.checks:
        shown.append("checks")
    if run.claims is not None or run.claims_error:
        shown.append("claims")
    diff, baseline_error = None, None
    if baseline is not None:
        shown.append("baseline")
        try:
            diff = diffs.html(diffs.load(baseline, run.out))
        except summary.ResultsError as exc:
            baseline_error = str(exc)
    shown.append(shown.pop(shown.index("provenance")))  # always last
    css = (resources.files("lab.compare.report") / "templates" / "report.css").read_text(encoding="utf-8")
    return TEMPLATES.get_template("report.html.j2").render(
        title=tables.title(run.meta),
        css=Markup(css),  # our own file: inlined as it is (quotes in CSS must stay quotes)
        facts=_facts(run.meta),
        load=_load(run.meta),
        warnings=_warnings(run),
        sections=[(sid, SECTIONS[sid]) for sid in shown],
        headline=headline.rows(run.cells),
        won=explain.winners(run.cells),
        pairs=explain.pairs(run.cells),
        repeat=run.meta.repeat,
        throughput=figures.throughput(run),
        sweeps=figures.sweep_figures(run),
        app_sentences=explain_app.sentences(run.cells),
        handler_tables=explain_app.handler_tables(run.cells),
        verified=verified,
        verified_title=rerun.TITLE,
        latency=figures.latency(run),
        spectra=spectrum.figures(run),
        over_time=figures.over_time(run),
        stages=figures.stages(run),
        no_server=run.meta.service.why_no_server if run.meta.service is not None else None,
        over_time_sentences=_over_time_sentences(run),
        pool=figures.pool(run),
        pool_sentences=internals.threadpool(run.cells),
        lag=figures.lag(run),
        lag_sentences=internals.loop_lag(run.cells),
        lag_limit=explain.num(explain.LAG_NOTABLE_MS, "ms"),
        table=_table(run),
        failed=[(explain.label(c), c.error or "no reason recorded") for c in _failed_cells(run)],
        checks=[(v, CHECK_CSS[v.outcome]) for v in run.checks],
        claims=_claims(run),
        claims_error=run.claims_error,
        diff=diff,
        baseline_error=baseline_error,
    )


def render(out: Path, baseline: Path | None = None) -> None:
    """Write out/report.html (and out/diff.md against `baseline`) from the saved data."""
    run = load(out)
    if baseline is not None:
        with contextlib.suppress(summary.ResultsError):  # the report says why, in its baseline section
            (out / "diff.md").write_text(diffs.markdown(diffs.load(baseline, out)), encoding="utf-8")
    text = page(run, baseline)
    tmp = out / ".report.html.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out / "report.html")
