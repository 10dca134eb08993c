"""The endpoint catalogue through real server processes."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import httpx
import pytest

from lab.runtime.launcher import Server
from lab.shared.configs import ServerConfig
from tests.conftest import free_port
from tests.metrics_support import samples, total

pytestmark = pytest.mark.slow

ENDPOINTS = {
    "/io/sync?ms=5": "io-sync",
    "/io/sync-model?ms=5": "io-sync-model",
    "/io/async?ms=5": "io-async",
    "/io/blocking?ms=5": "io-blocking",
    "/cpu/sync?ms=5": "cpu-sync",
    "/cpu/async?ms=5": "cpu-async",
    "/cpu/thread?ms=5": "cpu-thread",
    "/cpu/process?ms=5": "cpu-process",
    "/fanout/sync?n=2&ms=5": "fanout-sync",
    "/fanout/async?n=2&ms=5": "fanout-async",
    "/background?ms=5": "background",
    "/noop/sync": "noop-sync",
    "/noop/async": "noop-async",
}


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_every_endpoint_answers(single_server: Server, path: str) -> None:
    response = httpx.get(single_server.url + path, timeout=10)
    assert response.status_code == 200
    assert response.json()["kind"] == ENDPOINTS[path]


def test_health_names_config_and_pid(single_server: Server) -> None:
    response = httpx.get(single_server.url + "/health")
    assert response.status_code == 200
    body = response.json()
    assert body["config"] == "uvicorn-single"
    assert body["pid"] in single_server.pids()


@pytest.mark.parametrize(
    ("query", "bound"),
    [
        ("/io/sync?ms=10001", "less than or equal to 10000"),
        ("/cpu/async?ms=-1", "greater than or equal to 0"),
        ("/fanout/async?n=0", "greater than or equal to 1"),
        ("/fanout/sync?n=51", "less than or equal to 50"),
    ],
)
def test_out_of_range_is_422_naming_the_bound(single_server: Server, query: str, bound: str) -> None:
    response = httpx.get(single_server.url + query)
    assert response.status_code == 422
    assert bound in response.json()["detail"][0]["msg"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_requests_total_wait_is_bounded_with_a_422_naming_it(single_server: Server, kind: str) -> None:
    """n x ms at most 30 s (issue 26 §5: n=39&ms=4977, each within its own bounds, held a thread 195 s)."""
    started = time.monotonic()
    response = httpx.get(f"{single_server.url}/fanout/{kind}?n=39&ms=4977", timeout=10)
    assert response.status_code == 422
    assert time.monotonic() - started < 2  # refused, not waited
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "ms"]
    assert error["msg"] == "n x ms = 39 x 4977 = 194103 ms: a request's total wait is at most 30000 ms (30 s)"
    # Exactly at the bound is valid: 50 concurrent calls of 600 ms.
    if kind == "async":
        assert httpx.get(f"{single_server.url}/fanout/async?n=50&ms=600", timeout=10).status_code == 200


def test_cpu_ms_is_cpu_time_and_exported(single_server: Server) -> None:
    before = total(single_server.url, "lab_cpu_work_seconds_sum", handler="/cpu/thread")
    response = httpx.get(single_server.url + "/cpu/thread?ms=60", timeout=10)
    assert response.status_code == 200
    spent = response.json()["cpu_s"]
    assert 0.060 <= spent < 0.075
    after = total(single_server.url, "lab_cpu_work_seconds_sum", handler="/cpu/thread")
    assert after - before == pytest.approx(spent, abs=1e-5)


def test_fanout_calls_the_upstream_n_times(single_server: Server) -> None:
    before = total(single_server.url, "http_requests_total", handler="/io/async")
    assert httpx.get(single_server.url + "/fanout/async?n=7&ms=1", timeout=10).status_code == 200
    assert httpx.get(single_server.url + "/fanout/sync?n=3&ms=1", timeout=10).status_code == 200
    assert total(single_server.url, "http_requests_total", handler="/io/async") - before == 10


def test_metric_families_are_exported(single_server: Server) -> None:
    httpx.get(single_server.url + "/cpu/process?ms=1", timeout=10)
    time.sleep(0.6)  # one sampler period
    names = {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "http_requests_inprogress",
        "lab_event_loop_lag_seconds_bucket",
        "lab_threadpool_tokens",
        "lab_threadpool_tokens_in_use",
        "lab_threadpool_waiting",
        "lab_process_pool_pending",
        "lab_cpu_work_seconds_bucket",
        "lab_server_info",
        "lab_process_cpu_seconds_total",
        "lab_process_resident_memory_bytes",
    }
    for name in names:
        found = samples(single_server.url, name)
        assert found, f"{name} missing from /metrics"
        assert all(labels.get("config") == "uvicorn-single" for labels, _ in found), name
    buckets = {lab["le"] for lab, _ in samples(single_server.url, "http_request_duration_seconds_bucket")}
    assert {"0.001", "10.0"} <= buckets
    assert total(single_server.url, "lab_process_cpu_seconds_total", kind="pool") > 0
    assert total(single_server.url, "lab_process_resident_memory_bytes") > 10_000_000
    handlers = {lab["handler"] for lab, _ in samples(single_server.url, "http_requests_total")}
    assert "/metrics" not in handlers


def _health_latency_while(url: str, path: str) -> float:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(httpx.get, url + path, timeout=30)
        time.sleep(0.3)  # the slow request is being served
        start = time.monotonic()
        assert httpx.get(url + "/health", timeout=30).status_code == 200
        waited = time.monotonic() - start
        assert slow.result().status_code == 200
    return waited


def test_blocking_call_in_async_def_blocks_the_loop(single_server: Server) -> None:
    blocked = _health_latency_while(single_server.url, "/io/blocking?ms=2000")
    free = _health_latency_while(single_server.url, "/io/async?ms=2000")
    # /health waits for the rest of the 2 s sleep (~1.7 s) only when the sleep holds the loop.
    assert blocked > 1.0
    assert free < 1.0
    lag = samples(single_server.url, "lab_event_loop_lag_seconds_bucket")
    assert any(lab["le"] == "1.0" for lab, _ in lag)
    assert total(single_server.url, "lab_event_loop_lag_seconds_sum") > 1.0


def test_multi_worker_request_count_is_exact(catalogue: dict[str, ServerConfig]) -> None:
    sent = 400
    with Server(catalogue["gunicorn-multi"], port=free_port()) as server:
        assert len(server.live_worker_pids()) == server.workers == 2

        def hit(_: int) -> int:
            with httpx.Client(base_url=server.url, timeout=10) as client:
                return sum(client.get("/io/async?ms=1").status_code == 200 for _ in range(sent // 8))

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(hit, range(8))) == sent
        assert total(server.url, "http_requests_total", handler="/io/async") == sent
        assert total(server.url, "lab_threadpool_tokens") == 2 * 40


async def _burst(url: str, path: str, n: int) -> list[float]:
    """Seconds until each of `n` requests sent at once (on already open connections) is answered."""
    limits = httpx.Limits(max_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(client.get("/health") for _ in range(n)))  # open the connections first
        start = time.perf_counter()

        async def one() -> float:
            assert (await client.get(path)).status_code == 200
            return time.perf_counter() - start

        return sorted(await asyncio.gather(*(one() for _ in range(n))))


@pytest.mark.serial
def test_a_response_model_sends_def_endpoints_through_the_pool_twice(
    catalogue: dict[str, ServerConfig],
) -> None:
    # 4 tokens, a burst of 20 requests of 100 ms. Without a model they answer in waves of 4; with one, the
    # validation trip queues behind every waiting sleep (anyio's limiter is FIFO): all answer at the end.
    with Server(catalogue["threadpool-starved"], port=free_port()) as server:
        plain = asyncio.run(_burst(server.url, "/io/sync?ms=100", 20))
        validated = asyncio.run(_burst(server.url, "/io/sync-model?ms=100", 20))
    assert validated[0] > 3 * plain[0]  # first answer
    assert validated[10] > 1.3 * plain[10]  # median
    assert validated[-1] < 1.5 * plain[-1]  # the burst takes as long either way
