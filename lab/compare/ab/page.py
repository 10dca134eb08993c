"""The A/B's report: ab.json in, report.html and the terminal's table out (templates/ab.html.j2)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from lab.compare.ab.judge import TITLES
from lab.compare.ab.result import AbResult, AbRow, load
from lab.shared.output import atomic_write, fmt

_ENV = Environment(
    loader=PackageLoader("lab.compare.ab", "templates"), autoescape=True, undefined=StrictUndefined
)


def ratio_text(row: AbRow) -> str:
    """'0.78 [0.75, 0.81]' or 'not measured'."""
    if row.ratio is None or row.ci is None:
        return "not measured"
    return f"{row.ratio:.3f} [{row.ci[0]:.3f}, {row.ci[1]:.3f}]"


def cells(row: AbRow) -> list[str]:
    """A row as the tables show it: scenario, metric, A's mean, B's mean, ratio [CI], p, verdict."""
    p = "" if row.p_value is None else f"{row.p_value:.3g}"
    flag = " (regression)" if row.regression else ""
    means = [fmt(sum(v) / len(v)) if v else "" for v in (row.a, row.b)]
    return [row.scenario, TITLES[row.metric], *means, ratio_text(row), p, row.verdict + flag]


HEADER = ["scenario", "metric", "A (mean)", "B (mean)", "B/A [95% CI]", "p", "verdict"]


def table(result: AbResult) -> str:
    """The rows as a Markdown table (the terminal and ab.md)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in result.scenarios]
    return "\n".join(lines) + "\n"


def render(out: Path) -> None:
    """report.html and ab.md of the A/B in `out`, from its ab.json."""
    result = load(out)
    atomic_write(out / "ab.md", table(result))
    html = _ENV.get_template("ab.html.j2").render(
        result=result, meta=result.meta, header=HEADER, rows=[cells(r) for r in result.scenarios]
    )
    atomic_write(out / "report.html", html)
