"""Requests Locust abandons at a hard stop (`--stop-timeout 0`) are counted and reconcile with the server.

The three runs count, they time nothing: one module fixture runs them side by side against the module's
server, each on an endpoint of its own (the server counts by handler), and reads the server once it has
drained, which a run in flight would never let it do between them."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from lab.measure.scrape import drain
from lab.runtime.launcher import Server
from lab.shared.scenarios import get_scenario
from tests.locust_support import Growth, LocustProcess, LocustResult

pytestmark = [pytest.mark.slow, pytest.mark.serial]

USERS = 10
# 1.5 s requests, no wait, a 2 s run (integer seconds, as --run-time takes them): every user's second
# request is in flight at the hard stop, half a request from any answer either side, and the first
# answers (at 1.5 s) were reported. The final report at quit carries a worker's counts
# (lab.loadgen.final_reports): a distributed run needs no longer than a local one.
HARD_STOP = {"local": ("io-async", 0), "processes-2": ("io-sync", 2)}  # id -> (scenario, --processes)
GRACEFUL = "io-sync-model"


@dataclass
class Run:
    result: LocustResult
    name: str  # its endpoint: Locust's request name and the server's handler
    served: float  # requests the server finished for it, once it had no request in flight


@pytest.fixture(scope="module")
def runs(single_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    growth = Growth(single_server.url)
    with ExitStack() as stack:
        started: dict[str, tuple[str, LocustProcess]] = {}
        for key, (name, processes) in HARD_STOP.items():
            scenario = get_scenario(name)
            started[key] = (scenario.handler or "", stack.enter_context(LocustProcess(
                [scenario.path], [scenario.user_class], host=single_server.url,
                out_dir=tmp_path_factory.mktemp(key), users=USERS, processes=processes, run_time=2,
                # The hard stop (milliseconds) finds every user waiting for its request.
                args=["--io-ms", "1500", "--stop-timeout", "0"],
            )))  # fmt: skip
        scenario = get_scenario(GRACEFUL)
        started["graceful"] = (scenario.handler or "", stack.enter_context(LocustProcess(
            [scenario.path], [scenario.user_class], host=single_server.url,
            out_dir=tmp_path_factory.mktemp("graceful"), users=4, run_time=1,
            args=["--io-ms", "50"],  # the helper's default --stop-timeout 10 lets users finish
        )))  # fmt: skip
        results = {key: run.wait() for key, (_, run) in started.items()}
    assert drain(single_server.metrics_url)  # the server finishes what Locust abandoned
    growth.stop()
    return {
        key: Run(results[key], name, growth.total("http_requests_total", handler=name))
        for key, (name, _) in started.items()
    }


@pytest.mark.parametrize("key", list(HARD_STOP))
def test_abandoned_requests_close_the_gap_to_the_server(runs: dict[str, Run], key: str) -> None:
    result, name = runs[key].result, runs[key].name
    assert result.returncode == 0, result.log
    reported = result.locust_requests(name)
    abandoned = result.metric("locust_requests_abandoned_total", name=name, method="GET")
    assert reported == result.metric("locust_requests_total", name=name, method="GET") > 0
    # Measured, not assumed: with 1.5 s requests each user had exactly one in flight. (With short requests
    # fewer are abandoned: Locust stops users one by one while the others go on answering.)
    assert abandoned == USERS, result.log
    served = runs[key].served
    assert served == reported + abandoned, (served, reported, abandoned)


def test_a_graceful_stop_abandons_nothing(runs: dict[str, Run]) -> None:
    result, name = runs["graceful"].result, runs["graceful"].name
    assert result.returncode == 0, result.log
    assert result.metric("locust_requests_total", name=name) > 0
    assert result.metric("locust_requests_abandoned_total", name=name) == 0
