"""Requests Locust abandons at a hard stop (`--stop-timeout 0`) are counted and reconcile with the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.measure.scrape import drain
from lab.runtime.launcher import Server
from lab.shared.scenarios import get_scenario
from tests.locust_support import Growth, LocustProcess

pytestmark = [pytest.mark.slow, pytest.mark.serial]


@pytest.mark.parametrize("processes", [0, 2], ids=["local", "processes-2"])
def test_abandoned_requests_close_the_gap_to_the_server(
    single_server: Server, tmp_path: Path, processes: int
) -> None:
    scenario = get_scenario("io-async")
    users = 10
    growth = Growth(single_server.url)
    with LocustProcess(
        [scenario.path],
        [scenario.user_class],
        host=single_server.url,
        out_dir=tmp_path,
        users=users,
        processes=processes,
        run_time=6 if processes else 3,  # workers report every 3 s
        # 1 s requests, no wait: the hard stop (milliseconds) finds every user waiting for one.
        args=["--io-ms", "1000", "--stop-timeout", "0"],
    ) as run:
        result = run.wait()
    assert drain(single_server.metrics_url)  # the server finishes what Locust abandoned
    growth.stop()

    assert result.returncode == 0, result.log
    name = "/io/async"
    reported = result.locust_requests(name)
    abandoned = result.metric("locust_requests_abandoned_total", name=name, method="GET")
    assert reported == result.metric("locust_requests_total", name=name, method="GET") > 0
    # Measured, not assumed: with 1 s requests each user had exactly one in flight. (With short requests
    # fewer are abandoned: Locust stops users one by one while the others go on answering.)
    assert abandoned == users, result.log
    served = growth.total("http_requests_total", handler=name)
    assert served == reported + abandoned, (served, reported, abandoned)


def test_a_graceful_stop_abandons_nothing(single_server: Server, tmp_path: Path) -> None:
    scenario = get_scenario("io-async")
    with LocustProcess(
        [scenario.path],
        [scenario.user_class],
        host=single_server.url,
        out_dir=tmp_path,
        users=4,
        args=["--io-ms", "50"],  # the helper's default --stop-timeout 10 lets users finish
    ) as run:
        result = run.wait()
    assert result.returncode == 0, result.log
    assert result.metric("locust_requests_total", name="/io/async") > 0
    assert result.metric("locust_requests_abandoned_total", name="/io/async") == 0
