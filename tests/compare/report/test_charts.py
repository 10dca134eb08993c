"""The SVG charts (lab.compare.report.charts) and the escaping of what they and the templates print."""

from __future__ import annotations

import ast
import math
import re
from importlib import resources
from pathlib import Path

import pytest
from markupsafe import Markup, escape

from lab.compare.report import charts, report
from tests.compare.support import cell, parse, write_run

EVIL = 'evil<script>" onload="x'


@pytest.mark.parametrize(
    ("vmax", "count", "ticks"),
    [
        (380.0, 5, [0.0, 100.0, 200.0, 300.0, 400.0]),
        (1.0, 5, [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]),
        (912.0, 5, [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]),
        (12.0, 2, [0.0, 10.0, 20.0]),
        (0.0, 5, [0.0, 1.0]),
        (float("nan"), 5, [0.0, 1.0]),
        (-3.0, 5, [0.0, 1.0]),
    ],
)
def test_nice_ticks_start_at_zero_and_cover_the_maximum(vmax: float, count: int, ticks: list[float]) -> None:
    assert charts.nice_ticks(vmax, count) == pytest.approx(ticks)


def test_nice_ticks_steps_are_round() -> None:
    for vmax in (0.37, 3.7, 47.0, 999.0, 1001.0, 123456.0):
        ticks = charts.nice_ticks(vmax)
        step = ticks[1]
        assert ticks[0] == 0 and ticks[-1] >= vmax > ticks[-2]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert any(mantissa == pytest.approx(m) for m in (1, 2, 2.5, 5)), (vmax, ticks)


def test_a_chart_escapes_its_own_text() -> None:
    bar = charts.Bar(group=EVIL, name="<b>", color="#000", value=1.0, note="a & b", marker=2.0)
    failed = charts.Bar(group="g", name="n", color="#000", value=None, note="", failed="<oops>")

    svg = charts.hbars("<title>", [bar, failed], "req/s", "ceiling")
    line = charts.panel(EVIL, [charts.Series("p95", "p95-line", [(0, 1), (1, 2)])], 2.0, 1.0)

    for chart in (svg, line):
        assert isinstance(chart, Markup)
        assert "<script" not in chart and escape(EVIL) in chart
        parse(str(chart))
    assert "&lt;oops&gt;" in svg and "a &amp; b" in svg and "&lt;b&gt;" in svg


def test_report_escapes_a_configuration_name_everywhere(tmp_path: Path) -> None:
    # meta.configs holds only names a configuration may have; a cell's config is any string.
    write_run(tmp_path, [cell(EVIL, "io-sync", 380.0), cell(EVIL, "io-async", 900.0)], configs=[])

    report.render(tmp_path)

    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    page = parse(text)
    assert "<script" not in text
    assert 'onload="' not in text
    assert escape(EVIL) in text
    assert text.count("<svg") > 4  # the charts were drawn, with the name in them
    assert "evil" in "".join(page.text)  # as text, not as markup


def test_the_css_comes_from_its_file_inlined(tmp_path: Path) -> None:
    write_run(tmp_path, [cell()])
    css = (resources.files("lab.compare.report") / "templates" / "report.css").read_text(encoding="utf-8")

    report.render(tmp_path)

    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"<style>{css}</style>" in text
    assert '"Segoe UI"' in text  # quotes in CSS are not HTML-escaped


def test_the_markup_is_in_the_template_not_in_python() -> None:
    source = (resources.files("lab.compare.report") / "charts.py").read_text(encoding="utf-8")
    strings = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)]
    assert not [s for s in strings if isinstance(s, str) and re.search(r"<\w", s)]


def test_a_chart_is_typed_shapes_until_the_template_writes_it() -> None:
    block = charts.Block(1.0, 2.0, 3.5, 4.0, "#000", "a<b")

    drawn = charts.svg(charts.Svg("chart", 10.0, 20.0, "t", [block]))

    assert drawn == (
        '<svg class="chart" role="img" width="10.0" height="20.0" viewBox="0 0 10.0 20.0"><title>t</title>'
        '<rect x="1.0" y="2.0" width="3.5" height="4.0" fill="#000"><title>a&lt;b</title></rect></svg>'
    )


def test_the_model_s_curve_is_dashed_beside_the_measured_one() -> None:
    lines = [
        charts.Line("io-sync · s", "#000", [9.8, 38.0, 39.5]),
        charts.Line("io-sync · s (model)", "#000", [10.0, 34.0, 40.0], model=True),
    ]
    svg = str(charts.curve("req/s against users", ["1", "4", "16"], lines, "req/s", "users"))
    assert svg.count("<polyline") == 2 and svg.count('class="model"') == 1
    assert "io-sync · s (model): 34 req/s" in svg
