"""`--run-time` lasts what it was asked, however long Locust took to start (lab.loadgen.clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.runtime.launcher import Server
from lab.shared import metric_names
from lab.shared.scenarios import get_scenario
from tests.locust_support import run_locust


@pytest.mark.slow
@pytest.mark.serial
def test_a_two_second_run_sends_for_two_seconds(single_server: Server, tmp_path: Path) -> None:
    """Without the plugin gevent's timer counts from before Locust's start-up: 0.2 to 1.5 s here."""
    scenario = get_scenario("io-async")
    result = run_locust(
        [scenario.path], [scenario.user_class], host=single_server.url, out_dir=tmp_path, users=1, run_time=2,
        args=["--io-ms", "1"],
    )  # fmt: skip
    assert result.returncode == 0, result.log
    window = result.metric(metric_names.LOCUST_TEST_STOP) - result.metric(metric_names.LOCUST_TEST_START)
    assert 1.95 <= window <= 3, result.log
