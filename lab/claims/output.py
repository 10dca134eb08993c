"""claims.json (the source of truth; `lab report` reads id, claim, verdict, evidence) and claims.md."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from lab.claims.records import SCHEMA, ClaimRecord, ClaimsFile
from lab.shared.output import atomic_write, fmt
from lab.shared.provenance import ClaimsMeta


def write(out: Path, meta: ClaimsMeta, claims: list[ClaimRecord]) -> None:
    """Write claims.json and claims.md into `out` (next to a comparison's files, if it holds one)."""
    out.mkdir(parents=True, exist_ok=True)
    data = {"schema": SCHEMA, "meta": meta.model_dump(), "claims": [c.model_dump() for c in claims]}
    atomic_write(out / "claims.json", json.dumps(data, indent=2))
    atomic_write(out / "claims.md", markdown(meta, claims))


def load(path: Path) -> ClaimsFile:
    try:
        return ClaimsFile.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError:
        raise ValueError(f"{path} is not a claims.json written by `lab claims`") from None


def machine_line(meta: ClaimsMeta) -> str:
    machine = meta.machine
    return (
        f"{machine.cores} cores ({machine.cpu or machine.platform or '?'}), "
        f"{'quick' if meta.quick else 'full'} run, commit {meta.git_commit or 'unknown'}"
    )


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(claims: list[ClaimRecord]) -> list[str]:
    """The verdict table in Markdown: one row per claim."""
    lines = ["| # | claim | verdict | evidence | flips when |", "|---|---|---|---|---|"]
    for c in claims:
        row = [c.id, f"“{c.claim}”", f"**{c.verdict}**", c.evidence, c.condition]
        lines.append("| " + " | ".join(cell(x) for x in row) + " |")
    return lines


def markdown(meta: ClaimsMeta, claims: list[ClaimRecord]) -> str:
    lines = [
        f"# Claims checked, {meta.date}",
        "",
        machine_line(meta) + ".",
        "",
        *table(claims),
        "",
    ]
    for c in claims:
        lines += [f"## {c.id}. {c.claim}", "", f"Source: *{c.source}*: “{c.passage}”", ""]
        lines += [f"**{c.verdict}.** {c.evidence}", "", f"Flips: {c.condition}", ""]
        if c.checks:
            lines += ["| variant | rule | measured | passed |", "|---|---|---|---|"]
            for check in c.checks:
                measured = "n/a" if check.value is None else fmt(float(check.value))
                lines.append(
                    f"| {check.variant or '-'} | {cell(check.rule)} ({check.role}) | {measured} | "
                    f"{'yes' if check.passed else 'no'} |"
                )
            lines.append("")
        numbers = ", ".join(f"{k} = {'n/a' if v is None else fmt(float(v))}" for k, v in c.numbers.items())
        lines += [f"Numbers: {numbers}", ""]
    return "\n".join(lines)


def text(claims: list[ClaimRecord]) -> str:
    """The verdicts for a terminal: verdict, quote, evidence, per claim."""
    blocks = []
    for c in claims:
        blocks.append(f"{c.id:>2}  {c.verdict}\n    “{c.claim}”\n    {c.evidence}")
    return "\n".join(blocks)
