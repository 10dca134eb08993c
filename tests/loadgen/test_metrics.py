"""The Locust exporter, against a real server: its counts equal Locust's statistics and the server's.

Runs that only count (the exporter's against Locust's and the server's, the labels, the listening sockets)
go side by side in one module fixture, each count run on an endpoint of its own (the server counts by
handler); the run whose bands are times (test_custom_arguments_reach_the_requests) runs alone."""

from __future__ import annotations

import socket
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab.runtime.launcher import Server
from lab.shared.buckets import LATENCY_BUCKETS
from lab.shared.scenarios import get_scenario
from tests.conftest import free_port
from tests.locust_support import (
    Growth,
    LocustProcess,
    LocustResult,
    Sample,
    listening,
    run_locust,
    total,
    wait_for_http,
)

pytestmark = [pytest.mark.slow, pytest.mark.serial]

# id -> (scenario, --processes, --run-time). Distributed: 4 s, so that a worker's periodic report (every
# 3 s) reaches the master while it runs, for the live scrape; its final counts come with its final report.
COUNTS = {"local": ("io-async", 0, 3), "processes-2": ("io-sync", 2, 4)}


@dataclass
class Counted:
    scenario: str
    name: str  # its endpoint: Locust's request name and the server's handler
    live: list[Sample]  # the master's /metrics while it ran
    result: LocustResult
    served: float  # requests the server finished for it


@dataclass
class Runs:
    counts: dict[str, Counted]
    configs: dict[bool, LocustResult]  # whether a server answered -> the run without --lab-config
    sockets: set[tuple[str, int]]  # where a plain `locust -f` listened
    web_port: int
    plain: LocustProcess
    plain_result: LocustResult


@pytest.fixture(scope="module")
def runs(single_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    growth = Growth(single_server.url)
    noop, io = get_scenario("noop-async"), get_scenario("io-async")
    with ExitStack() as stack:
        closed = stack.enter_context(socket.socket())  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        counting: dict[str, LocustProcess] = {}
        for key, (name, processes, run_time) in COUNTS.items():
            scenario = get_scenario(name)
            counting[key] = stack.enter_context(LocustProcess(
                [scenario.path], [scenario.user_class], host=single_server.url,
                out_dir=tmp_path_factory.mktemp(key), processes=processes, run_time=run_time,
                serve_metrics=True, args=["--io-ms", "5", "--run-id", "test-run"],
                env={"LAB_CONFIG": "uvicorn-single"},
            ))  # fmt: skip
        # --lab-config empty: the configuration /health names when the test starts, else "default".
        configs = {
            answers: stack.enter_context(LocustProcess(
                [noop.path], [noop.user_class],
                host=single_server.url if answers else f"http://127.0.0.1:{closed.getsockname()[1]}",
                out_dir=tmp_path_factory.mktemp("config"), users=1, run_time=1, env={"LAB_CONFIG": ""},
            ))
            for answers in (True, False)
        }  # fmt: skip
        # `locust -f locustfiles/x.py` as the README runs it: its web UI waits for a swarm, and sends nothing.
        web_port = free_port()
        plain = stack.enter_context(LocustProcess(
            [io.path], host=single_server.url, out_dir=tmp_path_factory.mktemp("plain"), web_port=web_port,
            serve_metrics=True,
        ))  # fmt: skip
        live = {key: run.scrape() for key, run in counting.items()}  # each while it runs
        assert plain.process is not None
        wait_for_http(f"http://127.0.0.1:{web_port}/", plain.process)
        wait_for_http(f"{plain.metrics_url}/metrics", plain.process)
        sockets = listening(plain.process.pid)
        plain_result = plain.stop()
        results = {key: run.wait() for key, run in counting.items()}
        config_results = {answers: run.wait() for answers, run in configs.items()}
    growth.stop()
    counts = {}
    for key, (name, _, _) in COUNTS.items():
        handler = get_scenario(name).handler or ""
        served = growth.total("http_requests_total", handler=handler)
        counts[key] = Counted(name, handler, live[key], results[key], served)
    return Runs(counts, config_results, sockets, web_port, plain, plain_result)


@pytest.mark.parametrize("key", list(COUNTS))
def test_counts_equal_locust_stats_and_server(runs: Runs, key: str) -> None:
    counted = runs.counts[key]
    result, live, processes = counted.result, counted.live, COUNTS[key][1]
    assert result.returncode == 0, result.log
    # Served while running, by the master alone (workers would have failed to bind the same port).
    assert total(live, "locust_users") == 4
    roles = sorted(labels["role"] for name, labels, _ in live if name == "locust_process_cpu_seconds_total")
    assert roles == (["master", "worker", "worker"] if processes else ["local"])

    name = counted.name
    exported = result.metric("locust_requests_total", name=name, method="GET")
    assert exported > 100, result.log
    assert exported == result.locust_requests(name)
    assert result.metric("locust_request_failures_total", name=name) == result.locust_failures(name) == 0
    served = counted.served
    assert abs(served - exported) <= 0.01 * exported, (served, exported)

    # One histogram, in the server's buckets, counting every request.
    buckets = {
        labels["le"]: value
        for n, labels, value in result.metrics
        if n == "locust_request_duration_seconds_bucket" and labels["name"] == name
    }
    assert [float(le) for le in buckets] == [*LATENCY_BUCKETS, float("inf")]
    assert buckets["+Inf"] == result.metric("locust_request_duration_seconds_count", name=name) == exported
    assert (
        0.005 * exported <= result.metric("locust_request_duration_seconds_sum", name=name) < 1.0 * exported
    )

    info = [labels for n, labels, _ in result.metrics if n == "locust_run_info"]
    assert info == [{"run_id": "test-run", "scenario": counted.scenario, "config": "uvicorn-single"}]
    start = result.metric("locust_test_start_time_seconds")
    stop = result.metric("locust_test_stop_time_seconds")
    assert 2 <= stop - start < 30
    assert result.metric("locust_users") == 0
    assert result.metric("locust_process_cpu_seconds_total") > 0
    assert [n for n, _, _ in result.metrics].count("locust_cpu_saturated") == 1


def test_custom_arguments_reach_the_requests(single_server: Server, tmp_path: Path) -> None:
    """mixed with --fanout-n 3 on the command line and LAB_IO_MS=37 in the environment. 2 s of 4 users:
    some 20 requests of each of the rarer kinds (/cpu/sync, /fanout/async), enough for their means."""
    mixed = get_scenario("mixed")
    growth = Growth(single_server.url)
    result = run_locust(
        [mixed.path],
        [mixed.user_class],
        host=single_server.url,
        out_dir=tmp_path,
        run_time=2,
        args=["--fanout-n", "3", "--fanout-ms", "5", "--cpu-ms", "2", "--background-ms", "1"],
        env={"LAB_IO_MS": "37"},
    )
    growth.stop()

    assert result.returncode == 0, result.log
    assert {e["name"] for e in result.stats} == {
        "/io/async",
        "/io/sync",
        "/cpu/sync",
        "/fanout/async",
        "/background",
    }
    assert all(e["num_failures"] == 0 for e in result.stats), result.stats
    # n=3: each /fanout/async request made exactly three upstream /io/async requests (the default is 5).
    fanouts = growth.total("http_requests_total", handler="/fanout/async")
    assert fanouts > 0
    upstream = growth.total("http_requests_total", handler="/io/async") - result.locust_requests("/io/async")
    assert upstream == 3 * fanouts
    # ms=37: the server spent 37 ms and a little more per /io/sync request (the default is 100).
    mean_io = growth.total("http_request_duration_seconds_sum", handler="/io/sync") / growth.total(
        "http_request_duration_seconds_count", handler="/io/sync"
    )
    assert 0.037 <= mean_io < 0.060
    # cpu ms=2: CPU time per /cpu/sync request, measured by the server (the default is 10).
    mean_cpu = growth.total("lab_cpu_work_seconds_sum", handler="/cpu/sync") / growth.total(
        "lab_cpu_work_seconds_count", handler="/cpu/sync"
    )
    assert 0.002 <= mean_cpu < 0.005


def test_plain_locust_listens_on_loopback_only(runs: Runs) -> None:
    """`locust -f locustfiles/x.py` as the README runs it: the web UI and /metrics on 127.0.0.1 alone."""
    assert runs.plain_result.returncode == 0, runs.plain_result.log
    expected = {("127.0.0.1", runs.web_port), ("127.0.0.1", runs.plain.metrics_port)}
    assert runs.sockets == expected, runs.sockets


@pytest.mark.parametrize("answers", [True, False], ids=["server-answers", "no-server"])
def test_without_lab_config_the_run_is_labelled_with_the_servers_config(runs: Runs, answers: bool) -> None:
    """--lab-config empty: the configuration /health names when the test starts, else "default"."""
    result = runs.configs[answers]
    info = [labels for n, labels, _ in result.metrics if n == "locust_run_info"]
    assert [labels["config"] for labels in info] == ["uvicorn-single" if answers else "default"], result.log
    if answers:
        assert result.returncode == 0, result.log
        assert result.locust_requests("/noop/async") > 0
    else:  # the run went on without the server's answer: its requests failed, none was skipped
        assert result.locust_failures("/noop/async") == result.locust_requests("/noop/async") > 0
