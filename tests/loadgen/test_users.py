"""The lab's users in Locust's web UI: the class picker starts with one class ticked, not every class."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from lab.runtime.launcher import Server
from lab.shared.scenarios import SCENARIOS, get_scenario
from tests.conftest import free_port
from tests.locust_support import LocustProcess, wait_for_http, web_ui_args

pytestmark = pytest.mark.slow


def test_the_picker_ticks_one_class_then_the_last_tests(single_server: Server, tmp_path: Path) -> None:
    io = get_scenario("io-sync")
    io_classes = sorted(s.user_class for s in SCENARIOS.values() if s.locustfile == io.locustfile)
    ui = f"http://127.0.0.1:{free_port()}"
    with LocustProcess(
        [io.path], host=single_server.url, out_dir=tmp_path, web_port=int(ui.rsplit(":", 1)[1])
    ) as run:
        assert run.process is not None
        wait_for_http(ui, run.process)
        before = web_ui_args(ui)
        # Any class can still be chosen: here the one a default selection must never drag in.
        swarm = httpx.post(
            f"{ui}/swarm",
            data={"user_count": 1, "spawn_rate": 1, "user_classes": ["IoBlockingUser"], "io_ms": 1},
            timeout=10,
        )
        assert swarm.status_code == 200
        assert swarm.json()["user_classes"] == ["IoBlockingUser"]
        deadline = time.monotonic() + 20
        while not any(
            e["name"] == "/io/blocking" and e["num_requests"] > 0
            for e in httpx.get(f"{ui}/stats/requests", timeout=10).json()["stats"]
        ):
            assert time.monotonic() < deadline, "no request within 20 s"
            time.sleep(0.2)
        assert httpx.post(f"{ui}/stop", timeout=10).status_code == 200
        after = web_ui_args(ui)
        result = run.stop()

    assert before["show_userclass_picker"] is True
    # Ticked: the first class of the locustfile; listed (the picker's rows): every class.
    assert before["available_user_classes"] == ["IoSyncUser"] == [io.user_class]
    assert sorted(before["users"]) == io_classes
    assert after["available_user_classes"] == ["IoBlockingUser"]
    assert sorted(after["users"]) == io_classes
    assert result.locust_requests("/io/blocking") > 0, result.log
    assert {e["name"] for e in result.stats} == {"/io/blocking"}


def test_classes_named_on_the_command_line_are_the_ones_ticked(tmp_path: Path) -> None:
    cpu = get_scenario("cpu-process")
    ui = f"http://127.0.0.1:{free_port()}"
    web_port = int(ui.rsplit(":", 1)[1])
    users = ["CpuProcessUser", "CpuThreadUser"]
    with LocustProcess(
        [cpu.path], users, host="http://127.0.0.1:9", out_dir=tmp_path, web_port=web_port
    ) as run:
        assert run.process is not None
        wait_for_http(ui, run.process)
        args = web_ui_args(ui)
    assert sorted(args["available_user_classes"]) == users
    assert len(args["users"]) == 4
