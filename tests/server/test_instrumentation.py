"""The lean HTTP instrumentation records what the instrumentator would: names, labels, counts.

Through a real uvicorn process, in both modes the lab runs in (one process; PROMETHEUS_MULTIPROC_DIR set),
reading `/metrics` before and after a known set of requests. No timing is asserted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lab.server.metrics import LATENCY_BUCKETS

pytestmark = pytest.mark.slow

Key = tuple[str, frozenset[tuple[str, str]]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", params=["single", "multiprocess"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(LAB_INSTRUMENT="true", LAB_PROCESS_POOL="1", LAB_CONFIG=f"test-{request.param}")
    if request.param == "multiprocess":
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path_factory.mktemp("prom"))
    log = tmp_path_factory.mktemp("log") / "uvicorn.log"
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "lab.server.app:create_app"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            _wait_ready(http, proc, log)
            yield http
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_ready(http: httpx.Client, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        with contextlib.suppress(httpx.TransportError):
            if http.get("/health").status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"server not ready:\n{log.read_text()}")


def scrape(http: httpx.Client) -> dict[Key, float]:
    response = http.get("/metrics")
    assert response.status_code == 200
    samples: dict[Key, float] = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            labels = {k: v for k, v in s.labels.items() if k != "config"}
            samples[s.name, frozenset(labels.items())] = s.value
    return samples


def key(name: str, **labels: str) -> Key:
    return name, frozenset(labels.items())


def delta(before: dict[Key, float], after: dict[Key, float], k: Key) -> float:
    return after.get(k, 0.0) - before.get(k, 0.0)


def test_requests_are_counted_once_per_route_template(client: httpx.Client) -> None:
    before = scrape(client)
    for _ in range(7):
        assert client.get("/io/async", params={"ms": 0}).status_code == 200
    for _ in range(3):
        assert client.get("/noop/sync").status_code == 200
    after = scrape(client)

    assert (
        delta(before, after, key("http_requests_total", handler="/io/async", method="GET", status="2xx")) == 7
    )
    assert (
        delta(before, after, key("http_requests_total", handler="/noop/sync", method="GET", status="2xx"))
        == 3
    )
    count = key("http_request_duration_seconds_count", handler="/io/async", method="GET")
    inf = key("http_request_duration_seconds_bucket", handler="/io/async", method="GET", le="+Inf")
    assert delta(before, after, count) == 7
    assert delta(before, after, inf) == 7


def test_status_is_grouped_and_errors_are_counted(client: httpx.Client) -> None:
    before = scrape(client)
    assert client.get("/io/async", params={"ms": -1}).status_code == 422
    assert client.post("/io/async").status_code == 405
    assert client.get("/no/such/path").status_code == 404
    after = scrape(client)

    io_4xx = key("http_requests_total", handler="/io/async", method="GET", status="4xx")
    assert delta(before, after, io_4xx) == 1
    assert (
        delta(before, after, key("http_requests_total", handler="/io/async", method="GET", status="2xx")) == 0
    )
    # A method the route does not allow still resolves to the route's template, as in the instrumentator.
    assert (
        delta(before, after, key("http_requests_total", handler="/io/async", method="POST", status="4xx"))
        == 1
    )
    assert delta(before, after, key("http_requests_total", handler="none", method="GET", status="4xx")) == 1
    assert not any(dict(labels).get("handler") == "/no/such/path" for _, labels in after)


def test_label_names_and_buckets_are_the_instrumentators(client: httpx.Client) -> None:
    assert client.get("/noop/async").status_code == 200
    samples = scrape(client)

    def label_names(name: str) -> set[frozenset[str]]:
        return {frozenset(k for k, _ in labels) for n, labels in samples if n == name}

    assert label_names("http_requests_total") == {frozenset({"handler", "method", "status"})}
    assert label_names("http_request_duration_seconds_count") == {frozenset({"handler", "method"})}
    assert label_names("http_requests_inprogress") == {frozenset({"handler", "method"})}
    bounds = {
        float(dict(labels)["le"])
        for n, labels in samples
        if n == "http_request_duration_seconds_bucket" and dict(labels)["handler"] == "/noop/async"
    }
    assert bounds == {*LATENCY_BUCKETS, float("inf")}


def test_metrics_endpoint_is_not_instrumented(client: httpx.Client) -> None:
    scrape(client)
    samples = scrape(client)

    assert not any(dict(labels).get("handler") == "/metrics" for _, labels in samples)


def test_in_flight_rises_during_a_request_and_returns_to_zero(client: httpx.Client) -> None:
    gauge = key("http_requests_inprogress", handler="/io/async", method="GET")
    statuses: list[int] = []
    slow = threading.Thread(
        target=lambda: statuses.append(client.get("/io/async", params={"ms": 800}).status_code)
    )
    slow.start()
    seen = 0.0
    deadline = time.monotonic() + 10
    while slow.is_alive() and seen < 1 and time.monotonic() < deadline:
        seen = scrape(client).get(gauge, 0.0)
    slow.join()

    assert statuses == [200]
    assert seen == 1
    assert scrape(client)[gauge] == 0
