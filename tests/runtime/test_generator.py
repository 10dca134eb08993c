"""Locust with several processes through lab.runtime.headless: its command line, and exact counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.runtime import headless
from lab.runtime.generator import Generator, lost_reason, workers_missing
from lab.runtime.launcher import Server
from lab.shared.scenarios import get_scenario
from tests.locust_support import parse_metrics, total

TAGS = {"config": "uvicorn-single", "run_id": "test-run"}


def test_the_generator_s_locust_options() -> None:
    assert Generator().arguments() == [] and Generator().sending == 1
    assert Generator(processes=3).arguments() == ["--processes", "3"]
    remote = Generator(expect_workers=2, master_bind="0.0.0.0", master_port=6000, workers_wait_s=7)
    assert remote.sending == 2 and remote.start_up_s() == 7
    assert remote.arguments() == [
        "--master", "--expect-workers", "2", "--expect-workers-max-wait", "7",
        "--master-bind-host", "0.0.0.0", "--master-bind-port", "6000",
    ]  # fmt: skip
    args = headless.command(get_scenario("noop-async"), "http://x", 1, 1, Path("o"), {}, TAGS, remote)
    assert args[-len(remote.arguments()) :] == remote.arguments()


def test_the_reasons_a_distributed_run_fails() -> None:
    remote = Generator(expect_workers=2, master_port=6000, workers_wait_s=5)
    reason = workers_missing("... Gave up waiting for workers to connect", remote)
    assert reason is not None and "fewer than 2 Locust worker(s)" in reason and "within 5 s" in reason
    assert workers_missing("anything else", remote) is None
    assert workers_missing("Gave up waiting for workers", Generator(processes=2)) is None
    lost = lost_reason({"box:42": 103.5}, (100.0, 110.0))
    assert lost is not None and "box:42 (last report 3.5 s into the cell)" in lost
    assert lost_reason({}, (100.0, 110.0)) is None


@pytest.mark.slow
def test_two_processes_send_and_the_counts_stay_exact(single_server: Server, tmp_path: Path) -> None:
    scenario = get_scenario("noop-async")
    out = tmp_path / "two"
    result = headless.run(
        scenario, single_server.url, users=10, seconds=3, out=out, tags=TAGS, generator=Generator(processes=2)
    )
    assert result.generator_processes == 2
    assert 0 < result.generator_busiest_cpu <= result.generator_cpu
    entries = json.loads(Path(f"{out}.json").read_text())
    requests = sum(int(e["num_requests"]) for e in entries)
    snapshot = parse_metrics(Path(f"{out}.prom").read_text())
    # The master added up both workers' histograms: the same count as Locust's own statistics.
    assert result.requests == requests == total(snapshot, "locust_requests_total")
    roles = sorted(
        labels["role"] for name, labels, _ in snapshot if name == "locust_process_cpu_seconds_total"
    )
    assert roles == ["master", "worker", "worker"]
    assert not [s for s in snapshot if s[0] == "locust_worker_lost"]
