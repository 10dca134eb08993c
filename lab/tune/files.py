"""What `lab tune` writes in OUT: tune.json, tuned.toml (one `[tuned]` table that `lab serve` and `lab
compare --configs-file` read as it is) and report.html (templates/report.html.j2).
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from lab.shared.configs import TARGET_KEYS, ServerConfig
from lab.tune.record import Tune

TUNED = "tuned"  # the table's name: `lab compare --configs-file tuned.toml --configs tuned`
TEMPLATES = Environment(
    loader=PackageLoader("lab.tune", "templates"), autoescape=True,
    trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
)  # fmt: skip


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a TOML basic string: JSON's escapes are TOML's


def tuned_toml(cfg: ServerConfig, why: str) -> str:
    """The pick as a configuration table: every key but its name and the app (given with --app)."""
    lines = [f"# lab tune's pick, {cfg.name}: {why}", f"[{TUNED}]"]
    for key, value in cfg.model_dump(exclude={"name", "description", *TARGET_KEYS}).items():
        if value is not None:
            lines.append(f"{key} = {_toml(value)}")
    lines.append(f"description = {_toml(f'lab tune picked {cfg.name}: ' + why)}")
    return "\n".join(lines) + "\n"


def write(out: Path, tune: Tune, pick: ServerConfig | None, why: str) -> None:
    """tune.json, report.html and, when a point met every SLO, tuned.toml."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "tune.json").write_text(tune.model_dump_json(by_alias=True, indent=2) + "\n", encoding="utf-8")
    if pick is not None:
        (out / "tuned.toml").write_text(tuned_toml(pick, why), encoding="utf-8")
    (out / "report.html").write_text(page(tune), encoding="utf-8")


def page(tune: Tune) -> str:
    """The report: the pick first, the runner-up and why it lost, the search drawn, every point."""
    measured = [p for p in tune.points if p.rps is not None or p.predicted_rps is not None]
    top = max([p.rps or 0.0 for p in measured] + [p.predicted_rps or 0.0 for p in measured] + [1.0])
    return TEMPLATES.get_template("report.html.j2").render(tune=tune, top=top, bars=measured)
