"""The /db/* endpoints against a real PostgreSQL (issue 16): the three ways answer, the pool gauges move with
the requests in flight, a request that gets no connection in time is a 503 naming the pool, and without a
database the catalogue still starts and says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from lab.runtime.launcher import Server
from lab.runtime.postgres import DATABASE_URL_ENV, Postgres
from lab.shared.configs import ServerConfig
from tests.conftest import free_port
from tests.metrics_support import total

pytestmark = pytest.mark.slow

ENDPOINTS = ("sync", "async", "blocking")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with Postgres(log=tmp_path_factory.mktemp("pg") / "pg.log") as postgres:
        yield postgres.url


def _server(cfg: ServerConfig, tmp_path: Path, **env: str) -> Server:
    return Server(cfg, port=free_port(), log=tmp_path / "server.log", extra_env=env)


def _fire(url: str, path: str, n: int) -> tuple[ThreadPoolExecutor, list[Future[httpx.Response]]]:
    """`n` requests to `path` at once, each on its own connection."""
    pool = ThreadPoolExecutor(n)
    return pool, [pool.submit(httpx.get, url + path, timeout=30) for _ in range(n)]


def _gauge(url: str, name: str, pool: str) -> float:
    return total(url, name, pool=pool)


def _poll(url: str, until: tuple[float, float], seconds: float) -> tuple[float, float]:
    """(in use, waiting) of the async pool, read until they are `until` or `seconds` passed."""
    deadline = time.monotonic() + seconds
    while True:
        seen = (_gauge(url, "lab_db_pool_in_use", "async"), _gauge(url, "lab_db_pool_waiting", "async"))
        if seen == until or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def test_the_three_endpoints_query_the_database(
    catalogue: dict[str, ServerConfig], database: str, tmp_path: Path
) -> None:
    with _server(catalogue["uvicorn-single"], tmp_path, **{DATABASE_URL_ENV: database}) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for kind in ENDPOINTS:
                start = time.perf_counter()
                response = http.get(f"/db/{kind}", params={"ms": 200})
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, response.text
                assert response.json() == {"kind": f"db-{kind}", "ms": 200}
                assert elapsed >= 0.2  # the database waited, not the app
            assert http.get("/db/async", params={"ms": -1}).status_code == 422  # bounds as for /io/*
        for pool in ("sync", "async"):
            assert _gauge(server.url, "lab_db_pool_size", pool) == 10  # db_pool's default
            assert _gauge(server.url, "lab_db_pool_in_use", pool) == 0


@pytest.mark.serial
def test_pool_gauges_follow_the_requests_in_flight(
    catalogue: dict[str, ServerConfig], database: str, tmp_path: Path
) -> None:
    cfg = catalogue["uvicorn-single"].with_overrides({"db_pool": "3"})
    with _server(cfg, tmp_path, **{DATABASE_URL_ENV: database}) as server:
        pool, futures = _fire(server.url, "/db/async?ms=1500", 5)
        with pool:
            seen = _poll(server.url, until=(3, 2), seconds=1.2)
            assert seen == (3, 2)  # 3 connections in use, 2 requests waiting for one
            assert _gauge(server.url, "lab_db_pool_size", "async") == 3
            assert [f.result().status_code for f in futures] == [200] * 5
        assert _gauge(server.url, "lab_db_pool_in_use", "async") == 0
        assert _gauge(server.url, "lab_db_pool_waiting", "async") == 0


def test_a_request_without_a_connection_in_time_is_a_503(
    catalogue: dict[str, ServerConfig], database: str, tmp_path: Path
) -> None:
    cfg = catalogue["uvicorn-single"].with_overrides({"db_pool": "1"})
    env = {DATABASE_URL_ENV: database, "LAB_DB_POOL_TIMEOUT_S": "0.5"}
    with _server(cfg, tmp_path, **env) as server:
        fired = {kind: _fire(server.url, f"/db/{kind}?ms=1500", 3) for kind in ("sync", "async")}
        for kind, (pool, futures) in fired.items():
            with pool:
                responses = [f.result() for f in futures]
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200, 503, 503], [r.text for r in responses]
            for response in responses:
                if response.status_code == 503:
                    detail = response.json()["detail"]
                    assert "no database connection free within 0.5 s" in detail
                    assert f"{kind} pool's 1 connections (db_pool" in detail


def test_without_a_database_the_catalogue_starts_and_db_answers_503(
    catalogue: dict[str, ServerConfig], tmp_path: Path
) -> None:
    server = _server(catalogue["uvicorn-single"], tmp_path, **{DATABASE_URL_ENV: ""})
    with server, httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/io/async", params={"ms": 1}).status_code == 200
        for kind in ENDPOINTS:
            response = http.get(f"/db/{kind}", params={"ms": 1})
            assert response.status_code == 503, response.text
            assert response.json()["detail"].startswith("no database configured")
