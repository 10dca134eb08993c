"""A headless Locust run through lab.runtime.headless: the lab's scenarios, a user's classes, an endpoint.

Every run loads the exporter as a second locustfile (lab/loadgen/lab_plugin.py): a user's locustfile with
no import of the lab is measured like the lab's own, and a lab file that imports the exporter itself is
not counted twice.

The three runs that count their own requests (from their own files, none from the server's) start
together in one module fixture (`headless.start` returns at once); the gated run, timed and compared with
the server's count, runs alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from lab.runtime import headless, locust_stats
from lab.runtime.launcher import Server
from lab.runtime.locustfile import user_classes
from lab.shared.scenarios import EXPORTER_PLUGIN, custom_scenarios, endpoint_scenario, get_scenario, select
from tests.locust_support import parse_metrics, total

pytestmark = pytest.mark.serial  # asserts what a run measured: never beside another test

# A user's locustfile: HttpUser, a TaskSet, on_start, a wait time; nothing of the lab. Its helper module is
# called `plugin`, the name the exporter's file must not take.
USERS = """
from locust import HttpUser, TaskSet, between, task

from plugin import NOOP


class Browse(TaskSet):
    @task(2)
    def noop(self):
        self.client.get(NOOP)

    @task
    def io(self):
        self.client.get("/io/async?ms=1", name="/io/async")


class ItemUser(HttpUser):
    tasks = [Browse]
    wait_time = between(0, 0.001)

    def on_start(self):
        self.client.get("/noop/sync", name="on_start")


class IdleUser(HttpUser):
    @task
    def never(self):
        raise AssertionError("not selected: never runs")
"""
TAGS = {"config": "uvicorn-single", "run_id": "test-run"}
Runs = dict[str, tuple[Path, headless.LoadResult]]  # name -> (the files' prefix, the result)


def stats(out: Path) -> dict[str, int]:
    """Locust's own statistics (--json-file): requests by name."""
    return {e["name"]: int(e["num_requests"]) for e in json.loads(Path(f"{out}.json").read_text())}


@pytest.fixture(scope="module")
def runs(single_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """The three runs below, 2 users for 2 s each, side by side."""
    shop_dir = tmp_path_factory.mktemp("shop")
    (shop_dir / "plugin.py").write_text('NOOP = "/noop/async"\n')
    shop = shop_dir / "shop.py"
    shop.write_text(USERS)
    (user,) = select(custom_scenarios(shop, user_classes(shop)), ["ItemUser"])
    scenarios = {
        "user": user,
        "endpoint": endpoint_scenario("GET /io/async?ms=1"),
        "lab": get_scenario("noop-async"),
    }
    outs = {key: tmp_path_factory.mktemp(key) / s.slug for key, s in scenarios.items()}
    started = {
        key: headless.start(s, single_server.url, users=2, seconds=2, out=outs[key], tags=TAGS)
        for key, s in scenarios.items()
    }
    try:
        yield {key: (outs[key], run.run()) for key, run in started.items()}
    finally:
        for run in started.values():
            run.stop()


def test_command_loads_the_exporter_and_the_scenario_s_options(tmp_path: Path) -> None:
    scenario = endpoint_scenario("GET /items/1")
    args = headless.command(scenario, "http://127.0.0.1:1", 2, 3, tmp_path / "x", {"--io-ms": "5"}, TAGS)
    at = args.index("-f")
    assert args[at + 1 : at + 3] == [f"{scenario.path},{EXPORTER_PLUGIN}", "EndpointUser"]
    assert args[-4:] == ["--lab-endpoint", "GET /items/1", "--io-ms", "5"]


@pytest.mark.slow
def test_a_user_s_class_runs_unchanged_and_is_measured(runs: Runs) -> None:
    out, result = runs["user"]

    counted = stats(out)
    assert counted["on_start"] == 2  # once per user
    assert counted["/noop/async"] > 0 and counted["/io/async"] > 0
    assert result.requests == sum(counted.values()) and result.failures == 0
    snapshot = parse_metrics(Path(f"{out}.prom").read_text())
    for name, requests in counted.items():
        assert total(snapshot, "locust_requests_total", name=name) == requests
    (info,) = [labels for n, labels, _ in snapshot if n == "locust_run_info"]
    assert info == {"run_id": "test-run", "scenario": "ItemUser", "config": "uvicorn-single"}
    assert result.window[1] - result.window[0] > 1 and result.rps > 0
    # Per name, for the report's per-handler breakdown: Locust's rows, the exporter's abandoned beside them.
    rows = {(n.name, n.method): n for n in result.names}
    assert {name: n.requests for (name, _), n in rows.items() if n.requests} == counted
    assert all(n.mean_ms is not None and n.mean_ms >= 0 for n in result.names if n.requests)
    assert sum(n.abandoned for n in result.names) == result.abandoned
    assert result.mean_ms is not None and result.mean_ms > 0


def test_per_name_joins_locust_rows_and_abandoned_requests() -> None:
    entries = [
        {"name": "/items", "method": "GET", "num_requests": 4, "num_failures": 1, "total_response_time": 10},
        {
            "name": "order line",
            "method": "GET",
            "num_requests": 0,
            "num_failures": 0,
            "total_response_time": 0,
        },
    ]
    abandoned = "locust_requests_abandoned_total"
    samples: headless.Samples = [
        (abandoned, {"name": "/items", "method": "GET"}, 2.0),
        (abandoned, {"name": "/slow", "method": "POST"}, 1.0),  # never answered: a row of its own
        (abandoned, {"name": "order line", "method": "GET"}, 0.0),
    ]
    rows = locust_stats.per_name(entries, samples)
    assert rows == [
        locust_stats.NameStats("/items", "GET", 4, 1, 2.5, abandoned=2),
        locust_stats.NameStats("order line", "GET", 0, 0, None),
        locust_stats.NameStats("/slow", "POST", 0, 0, None, abandoned=1),
    ]


@pytest.mark.slow
def test_an_endpoint_runs_closed_loop(runs: Runs) -> None:
    out, result = runs["endpoint"]

    assert stats(out) == {"/io/async?ms=1": result.requests}  # named as the path was given
    assert result.requests > 100 and result.failures == 0
    snapshot = parse_metrics(Path(f"{out}.prom").read_text())
    assert total(snapshot, "locust_requests_total", name="/io/async?ms=1", method="GET") == result.requests


@pytest.mark.slow
def test_a_lab_scenario_is_counted_once(runs: Runs) -> None:
    """noop.py imports the exporter itself and lab_plugin.py imports it again: one set of listeners."""
    out, result = runs["lab"]

    snapshot = parse_metrics(Path(f"{out}.prom").read_text())
    assert total(snapshot, "locust_requests_total", name="/noop/async") == result.requests > 0


def served(server: Server, handler: str) -> float:
    """Requests the server has finished for `handler` (its own /metrics)."""
    text = httpx.get(server.metrics_url, timeout=10).text
    return total(parse_metrics(text), "http_requests_total", handler=handler)


@pytest.mark.slow
def test_a_locust_started_ahead_sends_nothing_before_its_gate_opens(
    single_server: Server, tmp_path: Path
) -> None:
    """lab.loadgen.gate: started ahead, Locust waits after its start-up; its test (and what it counts)
    starts when `run()` opens the gate, and lasts what was asked from there."""
    scenario = get_scenario("noop-async")
    before = served(single_server, "/noop/async")
    started = headless.start(scenario, single_server.url, users=2, seconds=2, out=tmp_path / "x", tags=TAGS,
                             gated=True)  # fmt: skip
    assert started.gate is not None and not started.gate.exists()
    try:
        deadline = time.monotonic() + 60
        while not started.started_up() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert started.started_up() and started.locust.alive()  # waiting at its gate, its start-up over
        assert served(single_server, "/noop/async") == before
        opened = time.time()
        result = started.run()
    finally:
        started.stop()
    assert opened <= result.window[0] and 1.95 <= result.window[1] - result.window[0] <= 3
    # What it abandoned at the stop may have been served, or not even sent.
    now = served(single_server, "/noop/async")
    assert 0 < result.requests <= now - before <= result.requests + result.abandoned
    assert not started.gate.exists() and not started.locust.alive()


@pytest.mark.slow
def test_a_locust_started_ahead_and_never_run_is_stopped_with_its_gate(
    single_server: Server, tmp_path: Path
) -> None:
    started = headless.start(get_scenario("noop-async"), single_server.url, users=1, seconds=1,
                             out=tmp_path / "x", tags=TAGS, gated=True)  # fmt: skip
    assert started.locust.process is not None and started.gate is not None
    process = psutil.Process(started.locust.process.pid)
    started.stop()
    assert not process.is_running()
    assert not started.gate.exists()
