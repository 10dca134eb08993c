"""The scenario registry, the locustfiles that implement it, and Locust's web UI on them."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lab.runtime.launcher import Server
from lab.runtime.postgres import DATABASE_URL_ENV, Postgres
from lab.server.app import create_catalogue
from lab.shared.configs import load_catalogue
from lab.shared.scenarios import (
    ENDPOINT_LOCUSTFILE,
    LOCUSTFILES,
    SCENARIOS,
    UnknownScenarioError,
    UserClassInfo,
    custom_scenarios,
    endpoint_scenario,
    get_scenario,
    select,
)
from tests.conftest import free_port
from tests.locust_support import Growth, LocustProcess, run_locust, run_python

REQUIRED = [
    "io-sync", "io-sync-model", "io-async", "io-blocking",
    "cpu-sync", "cpu-async", "cpu-thread", "cpu-process",
    "fanout-sync", "fanout-async", "background", "noop-sync", "noop-async",
    "db-sync", "db-async", "db-blocking", "mixed",
]  # fmt: skip
SINGLE = [s for s in SCENARIOS.values() if s.handler is not None]


@pytest.fixture(scope="module")
def single_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """conftest's single server, with a real PostgreSQL behind /db/* (issue 16)."""
    log = Path(tmp_path_factory.mktemp("server")) / "server.log"
    with Postgres(log=log.with_name("postgres.log")) as postgres:
        env = {DATABASE_URL_ENV: postgres.url}
        with Server(load_catalogue()["uvicorn-single"], port=free_port(), log=log, extra_env=env) as server:
            yield server


LOCUSTFILE_PATHS = sorted({str(s.path) for s in SCENARIOS.values()})


def test_registry_names_every_scenario_once() -> None:
    assert list(SCENARIOS) == REQUIRED
    assert len({(s.locustfile, s.user_class) for s in SCENARIOS.values()}) == len(SCENARIOS)


def test_unknown_scenario_lists_the_valid_names() -> None:
    with pytest.raises(UnknownScenarioError) as caught:
        get_scenario("io-sycn")
    assert "io-sycn" in str(caught.value)
    assert all(name in str(caught.value) for name in REQUIRED)


def test_handlers_are_routes_of_the_app_and_defaults_are_the_lab_s() -> None:
    assert {s.handler for s in SINGLE} <= set(create_catalogue().openapi()["paths"])
    assert get_scenario("io-sync").defaults == {"ms": 100}
    assert get_scenario("cpu-process").defaults == {"ms": 10}
    assert get_scenario("fanout-async").defaults == {"n": 5, "ms": 50}
    assert get_scenario("background").defaults == {"ms": 50}
    assert get_scenario("noop-sync").defaults == {}
    assert get_scenario("db-async").defaults == {"ms": 100}
    assert all(s.path.is_file() and s.path.parent == LOCUSTFILES for s in SCENARIOS.values())


# Loads each locustfile with Locust's own loader (in a subprocess: importing Locust monkey-patches) and
# calls every task of every user class with a recorder in place of LabUser.request.
_INSPECT = """
import json, sys
from locust import FastHttpUser
from locust.util.load_locustfile import load_locustfile
out = {}
for path in sys.argv[1:]:
    users, shapes = load_locustfile(path)
    for name, cls in users.items():
        user = cls.__new__(cls)
        calls = []
        user.request = calls.append
        for task in set(cls.tasks):
            task(user)
        out[name] = {"file": path, "calls": sorted(set(calls)), "fast": issubclass(cls, FastHttpUser),
                     "wait": cls.wait_time(user), "shapes": len(shapes)}
print(json.dumps(out))
"""


@pytest.mark.slow
def test_each_user_class_requests_its_scenario() -> None:
    found = run_python(_INSPECT, *LOCUSTFILE_PATHS)
    assert set(found) == {s.user_class for s in SCENARIOS.values()}  # no class outside the registry
    for s in SCENARIOS.values():
        user = found[s.user_class]
        assert user["file"] == str(s.path)
        assert user["fast"] and user["wait"] == 0 and user["shapes"] == 0
        if s.handler is not None:
            assert user["calls"] == [s.name]
        else:
            assert set(user["calls"]) <= {x.name for x in SINGLE} and len(user["calls"]) > 1


@pytest.mark.slow
def test_every_scenario_runs_headless(single_server: Server, tmp_path: Path) -> None:
    """Every user class of every locustfile at once, one user each: all endpoints answer."""
    # 2 s: all users are spawned within the first second (spawn rate = users) and the slowest request
    # here is a 100 ms /db call, so the last user still sends several; the lab's plugin keeps --run-time
    # exact (lab.loadgen.clock).
    result = run_locust(
        LOCUSTFILE_PATHS,
        host=single_server.url,
        out_dir=tmp_path,
        users=len(SCENARIOS),
        run_time=2,
        args=["--io-ms", "5", "--cpu-ms", "1", "--fanout-n", "2", "--fanout-ms", "5", "--background-ms", "1"],
    )
    assert result.returncode == 0, result.log
    assert {e["name"] for e in result.stats} == {s.handler for s in SINGLE}
    assert all(e["num_failures"] == 0 and e["num_requests"] > 0 for e in result.stats), result.stats
    (info,) = [labels for n, labels, _ in result.metrics if n == "locust_run_info"]
    assert sorted(info["scenario"].split("+")) == sorted(SCENARIOS)


@pytest.mark.slow
@pytest.mark.serial
def test_web_ui_class_picker_runs_the_picked_class(single_server: Server, tmp_path: Path) -> None:
    """Pick IoAsyncUser and --io-ms 7 in the web UI form, swarm, stop, quit: the numbers follow."""
    scenario = get_scenario("io-async")
    port = free_port()
    web = f"http://127.0.0.1:{port}"
    growth = Growth(single_server.url)
    with LocustProcess(
        [scenario.path], host=single_server.url, out_dir=tmp_path, serve_metrics=True, web_port=port
    ) as run:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(web, timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, run.log()
                time.sleep(0.2)
        assert page.status_code == 200
        assert '"show_userclass_picker": true' in page.text  # without --class-picker: the lab's default
        assert all(name in page.text for name in ("IoSyncUser", "IoAsyncUser", "IoBlockingUser"))
        form = {
            "user_count": "3", "spawn_rate": "3", "host": single_server.url,
            "user_classes": scenario.user_class, "io_ms": "7",
        }  # fmt: skip
        swarm = httpx.post(f"{web}/swarm", data=form, timeout=10)
        assert swarm.status_code == 200 and swarm.json()["success"], swarm.text
        live = run.scrape()
        assert httpx.post(f"{web}/stop", timeout=30).status_code == 200
        result = run.stop()
    growth.stop()

    assert result.returncode == 0, result.log
    assert [e["name"] for e in result.stats] == [scenario.handler]
    (info,) = [labels for n, labels, _ in live if n == "locust_run_info"]
    assert info["scenario"] == "io-async"
    exported = result.metric("locust_requests_total", name="/io/async")
    assert exported == result.locust_requests("/io/async") > 0
    mean = growth.total("http_request_duration_seconds_sum", handler="/io/async") / growth.total(
        "http_request_duration_seconds_count", handler="/io/async"
    )
    assert 0.007 <= mean < 0.030  # ms=7 from the form (the default is 100)


# Scenarios of a user's app (issue 11 §3): built from a locustfile's classes, or from `--endpoint`.

ITEM = UserClassInfo("ItemUser", "HttpUser", "/x/shop.py", None, None, 1.0, 0, ("browse",))
ADMIN = UserClassInfo("AdminUser", "FastHttpUser", "/x/shop.py", "Admin.", None, 1.0, 0, ("stats",))


def test_custom_scenarios_are_the_classes_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = custom_scenarios("shop.py", [ITEM, ADMIN])
    assert list(found) == ["ItemUser", "AdminUser"]
    item = found["ItemUser"]
    assert (item.kind, item.user_class, item.handler, item.options) == ("custom", "ItemUser", None, ())
    assert item.path == tmp_path / "shop.py"  # absolute: Locust runs from any directory
    assert item.slug == "ItemUser"


def test_select_picks_in_order_or_lists_the_classes() -> None:
    found = custom_scenarios("/x/shop.py", [ITEM, ADMIN])
    assert [s.name for s in select(found, [])] == ["ItemUser", "AdminUser"]
    picked = select(found, ["AdminUser", "ItemUser", "AdminUser"])
    assert [s.name for s in picked] == ["AdminUser", "ItemUser"]
    with pytest.raises(UnknownScenarioError) as caught:
        select(found, ["ItemUser", "ItemUsr"])
    expected = "unknown scenario 'ItemUsr'; the User classes of /x/shop.py are: ItemUser, AdminUser"
    assert str(caught.value) == expected
    with pytest.raises(UnknownScenarioError, match="valid scenarios: io-sync, io-sync-model"):
        select(SCENARIOS, ["io"])


def test_endpoint_scenario() -> None:
    s = endpoint_scenario("get   /items/1?full=1")
    assert (s.name, s.kind, s.user_class) == ("GET /items/1?full=1", "endpoint", "EndpointUser")
    assert s.handler is None  # the server names it by its route template, which the lab does not know
    assert s.path == ENDPOINT_LOCUSTFILE and s.path.is_file()
    assert s.options == (("--lab-endpoint", "GET /items/1?full=1"),)
    assert s.slug.startswith("GET-items-1-full-1-") and "/" not in s.slug and "." not in s.slug
    assert endpoint_scenario("GET /a/b").slug != endpoint_scenario("GET /a-b").slug


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("/items/1", "expected METHOD /path"),
        ("GET /items/1 extra", "expected METHOD /path"),
        ("FETCH /items/1", "method 'FETCH' is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("GET items/1", "the path must start with '/'"),
    ],
)
def test_endpoint_spec_errors_say_why(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        endpoint_scenario(spec)
