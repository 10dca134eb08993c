"""What `lab compare` prints at its end fits a terminal of 100 columns (issue 26 §3): the numbers in a
table, the long sentences under it, wrapped; nothing of summary.md's lost on the way."""

from __future__ import annotations

from pathlib import Path

from lab.compare.report.terminal import WIDTH, fit, summary_text
from tests.compare.support import cell, failed, write_run

SCENARIOS = ["io-sync", "io-async", "io-blocking", "cpu-sync", "cpu-async", "cpu-thread", "cpu-process"]
LONG_CONFIGS = [
    "gunicorn-multi[db_pool=20,loop=uvloop,process_pool=4,threadpool=100,workers=4]",
    "uvicorn-single[http=h11,threadpool=8]",
    "threadpool-starved",
]
REASON = "the server (gunicorn) exited with code 3 during the cell: " + "Worker failed to boot. " * 6


def test_the_summary_fits_100_columns_with_long_names_and_many_scenarios(tmp_path: Path) -> None:
    cells = [cell(c, s, 12345.6 / (i + 1)) for c in LONG_CONFIGS for i, s in enumerate(SCENARIOS)]
    cells[3] = failed(LONG_CONFIGS[0], SCENARIOS[3], REASON)
    write_run(tmp_path, cells, repeat=2)

    text = summary_text(tmp_path)

    too_wide = [line for line in text.splitlines() if len(line) > WIDTH]
    assert too_wide == []
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("config"))
    assert lines[header].split()[:4] == ["config", "scenario", "req/s", "ceiling"]
    # Every cell has its row, its configuration whole across the lines of its cell (wrapped to fit).
    table = lines[header : lines.index("", header)]
    config_width, scenario_width = (len(rule) for rule in table[1].split()[:2])
    rows: list[list[str]] = []
    for line in table[2:]:
        name, scenario = line[:config_width].strip(), line[config_width + 2 :][:scenario_width].strip()
        if scenario:
            rows.append([name, scenario])
        else:
            rows[-1][0] += name
    assert rows == [[c, s] for c in LONG_CONFIGS for s in SCENARIOS]
    assert "\n".join(table).count("FAILED") == 1
    # What the table leaves out comes under it, whole: the failure's reason, each cell's bottleneck.
    flat = " ".join(line.strip() for line in lines)
    assert f"FAILED {LONG_CONFIGS[0]} · cpu-sync: {REASON.strip()}" in flat
    assert f"{LONG_CONFIGS[2]} · io-sync: {cells[14].bottleneck}" in flat


def test_fit_wraps_the_widest_columns_only_as_much_as_it_must() -> None:
    headers = ["config", "scenario", "req/s"]
    narrow = fit(headers, [["u", "io-sync", "360"]])
    assert narrow.splitlines()[2].split() == ["u", "io-sync", "360"]  # nothing wrapped
    wide = fit(headers, [["x" * 150, "io-sync", "360"]], width=60)
    assert max(len(line) for line in wide.splitlines()) <= 60
    assert "".join(line.split()[0] for line in wide.splitlines()[2:] if line.startswith("x")) == "x" * 150
    assert wide.splitlines()[2].endswith("io-sync      360")
