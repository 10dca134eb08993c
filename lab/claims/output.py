"""claims.json (the source of truth; `lab report` reads id, claim, verdict, evidence) and claims.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.shared.output import atomic_write, fmt

SCHEMA = 1


def write(out: Path, meta: dict[str, Any], claims: list[dict[str, Any]]) -> None:
    """Write claims.json and claims.md into `out` (next to a comparison's files, if it holds one)."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(
        out / "claims.json", json.dumps({"schema": SCHEMA, "meta": meta, "claims": claims}, indent=2)
    )
    atomic_write(out / "claims.md", markdown(meta, claims))


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise ValueError(f"{path} is not a claims.json written by `lab claims`")
    return data


def machine_line(meta: dict[str, Any]) -> str:
    machine = meta.get("machine", {})
    return (
        f"{machine.get('cores', '?')} cores ({machine.get('cpu') or machine.get('platform', '?')}), "
        f"{'quick' if meta.get('quick') else 'full'} run, commit {meta.get('git_commit') or 'unknown'}"
    )


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(claims: list[dict[str, Any]]) -> list[str]:
    """The verdict table in Markdown: one row per claim."""
    lines = ["| # | claim | verdict | evidence | flips when |", "|---|---|---|---|---|"]
    for c in claims:
        row = [c["id"], f"“{c['claim']}”", f"**{c['verdict']}**", c["evidence"], c.get("condition", "")]
        lines.append("| " + " | ".join(cell(x) for x in row) + " |")
    return lines


def markdown(meta: dict[str, Any], claims: list[dict[str, Any]]) -> str:
    lines = [
        f"# Claims checked, {meta.get('date', '')}",
        "",
        machine_line(meta) + ".",
        "",
        *table(claims),
        "",
    ]
    for c in claims:
        lines += [f"## {c['id']}. {c['claim']}", "", f"Source: *{c['source']}*: “{c.get('passage', '')}”", ""]
        lines += [f"**{c['verdict']}.** {c['evidence']}", "", f"Flips: {c.get('condition', '')}", ""]
        if c.get("checks"):
            lines += ["| variant | rule | measured | passed |", "|---|---|---|---|"]
            for check in c["checks"]:
                measured = "n/a" if check["value"] is None else fmt(float(check["value"]))
                lines.append(
                    f"| {check['variant'] or '-'} | {cell(check['rule'])} ({check['role']}) | {measured} | "
                    f"{'yes' if check['passed'] else 'no'} |"
                )
            lines.append("")
        numbers = ", ".join(
            f"{k} = {'n/a' if v is None else fmt(float(v))}" for k, v in c.get("numbers", {}).items()
        )
        lines += [f"Numbers: {numbers}", ""]
    return "\n".join(lines)


def text(claims: list[dict[str, Any]]) -> str:
    """The verdicts for a terminal: verdict, quote, evidence, per claim."""
    blocks = []
    for c in claims:
        blocks.append(f"{c['id']:>2}  {c['verdict']}\n    “{c['claim']}”\n    {c['evidence']}")
    return "\n".join(blocks)
