"""Locust's web UI under `lab up`, used in a real browser as a person uses it.

The lab's custom options are in the start form; a person picks a user class, changes --io-ms, starts,
sees the class's endpoint in the statistics table, and stops from the UI; meanwhile the Prometheus that
`lab up` started holds the server's and the load generator's series of that run. Locust 2.47's UI is a
React (MUI) app: the selectors below are its roles and labels, read from the live page.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Tab
from tests.conftest import free_port
from tests.up_support import read_banner

pytestmark = [pytest.mark.slow, pytest.mark.serial]

LAB = [sys.executable, "-m", "lab"]
# The lab's request parameters, as the start form names them: input name, label, default.
OPTIONS = {
    "--io-ms": ("ioMs", "Io Ms (Milliseconds each /io/* request waits.)", "100"),
    "--cpu-ms": ("cpuMs", "Cpu Ms (Milliseconds of CPU work per /cpu/* request.)", "10"),
    "--fanout-n": ("fanoutN", "Fanout N (Upstream calls per /fanout/* request.)", "5"),
    "--fanout-ms": ("fanoutMs", "Fanout Ms (Milliseconds each upstream call of /fanout/* waits.)", "50"),
    "--background-ms": ("backgroundMs", "Background Ms (Milliseconds of /background work after", "50"),
}
IO_MS = 20  # instead of the default 100: the table and the server must show requests this short


@dataclass
class LabUp:
    process: subprocess.Popen[str]
    urls: dict[str, str]  # "app", "Locust UI", "Locust metrics", "Prometheus" -> URL
    stdout: list[str]


@pytest.fixture
def lab_up(tmp_path: Path) -> Iterator[LabUp]:
    """`lab up uvicorn-single` on free ports; SIGTERM at the end, and nothing of it left running."""
    ports = [
        str(x)
        for flag in ("--port", "--locust-port", "--locust-metrics-port", "--prometheus-port")
        for x in (flag, free_port())
    ]
    args = [*LAB, "up", "uvicorn-single", *ports, "--data-dir", str(tmp_path / "prom")]
    with (tmp_path / "lab-up.stderr").open("w") as err:
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True, cwd=tmp_path
        )
    started = LabUp(process, {}, [])
    try:
        read_banner(process, started.stdout, started.urls)
        assert {"app", "Locust UI", "Prometheus"} <= started.urls.keys(), started.stdout
        assert started.urls["Prometheus"].startswith("http"), started.urls
        yield started
    finally:
        tree = psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)
        _, left = psutil.wait_procs(tree, timeout=20)
        for p in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        assert left == [], f"lab up left processes behind: {left}"


def _query(prometheus: str, expr: str, timeout: float = 30) -> list[dict[str, Any]]:
    """The result of `expr`, once it has one (fails after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()["data"]["result"]
        if result:
            return result
        assert time.monotonic() < deadline, f"no data for {expr}"
        time.sleep(0.5)


def _class_row(page: Page, name: str) -> Locator:
    """The picker's row of a user class (a checkbox, the name, a settings button)."""
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))


def _stats_row(page: Page, name: str) -> dict[str, str]:
    """The statistics table's row of a request name, by column title."""
    table = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="# Requests"))
    titles = [" ".join(t.split()) for t in table.get_by_role("columnheader").all_inner_texts()]
    row = table.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))
    expect(row).to_have_count(1)
    return dict(zip(titles, row.get_by_role("cell").all_inner_texts(), strict=True))


def test_pick_a_class_change_io_ms_start_watch_and_stop_from_the_web_ui(tab: Tab, lab_up: LabUp) -> None:
    ui, prometheus = lab_up.urls["Locust UI"], lab_up.urls["Prometheus"]
    page = tab.page
    page.goto(ui)
    expect(page.get_by_text("Start new load test")).to_be_visible()

    # The lab's options are in the form, under Locust's "Custom parameters", with their defaults.
    page.get_by_role("button", name="Custom parameters").click()
    for option, (name, label, default) in OPTIONS.items():
        field = page.get_by_label(label)
        expect(field, option).to_be_visible()
        expect(field, option).to_have_attribute("name", name)
        expect(field, option).to_have_value(default)

    # One class instead of the one ticked to begin with, shorter waits, a run id of our own.
    run_id = f"browser-{uuid.uuid4().hex[:8]}"
    expect(_class_row(page, "IoAsyncUser").get_by_role("checkbox")).to_be_checked()
    _class_row(page, "IoAsyncUser").get_by_role("checkbox").uncheck()
    _class_row(page, "IoSyncUser").get_by_role("checkbox").check()
    page.get_by_label("Number of users").fill("5")
    page.get_by_label("Ramp up").fill("5")
    page.get_by_label(OPTIONS["--io-ms"][1]).fill(str(IO_MS))
    page.get_by_label("Run Id").fill(run_id)
    page.get_by_role("button", name="Start", exact=True).click()
    status = page.get_by_role("banner").get_by_text(re.compile(r"^(ready|running|spawning|stopped)$", re.I))
    expect(status).to_have_text(re.compile("running|spawning", re.I))

    # Rows for the class's endpoint, answered in about --io-ms: the changed value reached the server.
    expect(page.get_by_role("cell", name="/io/sync", exact=True)).to_be_visible(timeout=20_000)
    expect(page.get_by_role("cell", name="/io/async", exact=True)).to_have_count(0)
    deadline = time.monotonic() + 20
    while int((row := _stats_row(page, "/io/sync"))["# Requests"]) < 50:
        assert time.monotonic() < deadline, row
        page.wait_for_timeout(500)
    assert IO_MS <= float(row["Median (ms)"]) < 3 * IO_MS, row
    assert row["# Fails"] == "0", row

    # Prometheus has this run: the load generator's series (its run id, its requests) and the server's.
    info = _query(prometheus, f'locust_run_info{{run_id="{run_id}"}}')
    assert info[0]["metric"]["scenario"] == "io-sync" and info[0]["metric"]["config"] == "uvicorn-single"
    _query(prometheus, 'increase(locust_requests_total{name="/io/sync"}[1m]) > 0')
    _query(prometheus, 'increase(http_requests_total{config="uvicorn-single", handler="/io/sync"}[1m]) > 0')
    server_mean = _query(
        prometheus,
        'rate(http_request_duration_seconds_sum{handler="/io/sync"}[1m])'
        ' / rate(http_request_duration_seconds_count{handler="/io/sync"}[1m])',
    )
    assert IO_MS / 1000 <= float(server_mean[0]["value"][1]) < 3 * IO_MS / 1000, server_mean

    # Stopped from the UI: Locust says so, and its exporter too.
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(status).to_have_text(re.compile("stopped", re.I), timeout=20_000)
    _query(prometheus, "locust_test_stop_time_seconds > locust_test_start_time_seconds")
    _query(prometheus, "locust_users == 0")

    # The page works offline: it asked its own server only, and the console stayed quiet.
    assert [url for url in tab.requests if not url.startswith(ui)] == []
    assert tab.problems() == []
