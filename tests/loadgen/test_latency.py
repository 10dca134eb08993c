"""Exact client latency in HDR histograms (issue 25): recorded on every Locust process, merged across
workers, corrected for coordinated omission in the open model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram

from lab.runtime import latency
from lab.runtime.launcher import Server
from lab.shared.scenarios import EXPORTER_PLUGIN, get_scenario
from tests.locust_support import run_locust, run_python

RECORDER = """
import json, time
from lab.loadgen.latency import Recorder

now = time.monotonic()
worker = Recorder()
worker.observe("/io", "GET", 123.4, None, None)  # closed loop: Locust's response time
worker.observe("/io", "GET", 123.4, None, now - 5)  # a closed loop ignores the connection's time
rows = worker.drain()
late = Recorder()
# Due 2 s ago, sent 0.5 s ago (it waited for a connection), 0.7 s by Locust's clock.
late.observe("/io", "GET", 700.0, now - 2.0, now - 0.5)
master = Recorder()
master.merge(rows)
master.merge(late.drain())
print(json.dumps({"left": worker.rows(), "merged": master.rows()}))
"""


def test_a_recorder_drains_into_reports_and_a_master_adds_them_up() -> None:
    found = run_python(RECORDER)
    assert found["left"] == []  # drained: the next report starts afresh
    [row] = found["merged"]
    send = HdrHistogram.decode(row["send"])
    schedule = HdrHistogram.decode(row["schedule"])
    assert send.get_total_count() == 3 and schedule.get_total_count() == 1
    # Closed loop: 123.4 ms exactly, to HdrHistogram's 3 digits (Locust would count 120).
    assert send.get_value_at_percentile(50) / 1000 == pytest.approx(123.4, rel=1e-3)
    assert send.get_max_value() / 1000 == pytest.approx(500, rel=0.05)  # from the connection, not the call
    assert schedule.get_max_value() / 1000 == pytest.approx(2000, rel=0.05)  # from the due time


@pytest.mark.slow
@pytest.mark.serial
def test_an_overloaded_open_model_shows_the_queue_only_when_corrected(
    single_server: Server, tmp_path: Path
) -> None:
    """2 users x 10 connections hold 20 requests of 200 ms: 100 req/s at most, for a schedule of 150 a
    worker (2 workers). Requests wait for a connection in Locust, a queue that grows all run: measured from
    the send they look like the server's 200 ms, from the schedule they show the wait.

    3 s are enough: the k-th answer (100 a second) was due at k/300 s, so it is 2k/300 s late, and the
    answers of a 3 s run have a p95 near 2 s from the schedule, against 0.2 to 0.3 s from the send (the
    workers' final reports at quit carry what they recorded since their last periodic one)."""
    scenario = get_scenario("io-async")
    result = run_locust(
        [scenario.path, EXPORTER_PLUGIN], [scenario.user_class], host=single_server.url, out_dir=tmp_path,
        users=2, processes=2, run_time=3,
        args=["--io-ms", "200", "--lab-rate", "150", "--csv", str(tmp_path / "run"), "--stop-timeout", "0"],
    )  # fmt: skip
    assert result.returncode == 0, result.log
    path = tmp_path / "run_latency.json"
    exact = latency.read(path, "/io/async")
    assert exact is not None and exact.latency_from == "schedule", result.log
    assert exact.p50_ms_uncorrected is not None and exact.p95_ms_uncorrected is not None
    assert 200 <= exact.p50_ms_uncorrected <= 300, exact
    assert exact.p95_ms is not None and exact.p95_ms > 2 * exact.p95_ms_uncorrected, exact
    # Both workers' histograms reached the master: as many requests as Locust's own statistics counted.
    [row] = [r for r in json.loads(path.read_text()) if r["name"] == "/io/async"]
    assert HdrHistogram.decode(row["send"]).get_total_count() == result.locust_requests("/io/async") > 0
    assert HdrHistogram.decode(row["schedule"]).get_total_count() == result.locust_requests("/io/async")


@pytest.mark.slow
@pytest.mark.serial
def test_a_123_ms_wait_reports_a_p50_between_123_and_133_ms(single_server: Server, tmp_path: Path) -> None:
    """A closed loop of 2 users on a lightly loaded server: the wait plus a few milliseconds of the server's
    and Locust's own time, where Locust's statistics say 120 or 130 (two digits above 100 ms). 2 s: some
    30 answers, a median as steady as 3 s gave."""
    scenario = get_scenario("io-async")
    result = run_locust(
        [scenario.path, EXPORTER_PLUGIN], [scenario.user_class], host=single_server.url, out_dir=tmp_path,
        users=2, run_time=2, args=["--io-ms", "123", "--csv", str(tmp_path / "run")],
    )  # fmt: skip
    assert result.returncode == 0, result.log
    exact = latency.read(tmp_path / "run_latency.json", "/io/async")
    assert exact is not None and exact.latency_from == "send" and exact.p95_ms_uncorrected is None
    assert exact.p50_ms is not None and 123 <= exact.p50_ms <= 133, exact
    [locust] = [e for e in result.stats if e["name"] == "/io/async"]
    assert {int(ms) % 10 for ms in locust["response_times"]} == {0}  # Locust's own: 120, 130, ...
