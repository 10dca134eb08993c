"""Every built-in configuration started for real; crashes, signals and errors leave nothing behind."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from lab.runtime.launcher import LaunchError, Server, parse_cpus
from lab.shared.configs import ServerConfig, load_catalogue
from tests.conftest import free_port
from tests.metrics_support import samples, total

ONE_OF_EACH_KIND = [
    "/io/sync?ms=1",
    "/io/async?ms=1",
    "/io/blocking?ms=1",
    "/cpu/sync?ms=1",
    "/cpu/process?ms=1",
    "/fanout/async?n=2&ms=1",
    "/background?ms=1",
]


def _gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("name", list(load_catalogue()))
def test_builtin_configuration_serves(name: str, catalogue: dict[str, ServerConfig], tmp_path: Path) -> None:
    cfg = catalogue[name]
    with Server(cfg, port=free_port(), log=tmp_path / "server.log") as server:
        pids = server.pids()
        assert httpx.get(server.url + "/health").json()["config"] == name
        for path in ONE_OF_EACH_KIND:
            assert httpx.get(server.url + path, timeout=10).status_code == 200, path
        time.sleep(0.3)  # one loop-probe period
        info = samples(server.url, "lab_server_info")
        assert len(info) == server.workers == cfg.resolved_workers()
        for labels, value in info:
            assert value == 1
            assert labels["config"] == name
            assert labels["server"] == cfg.server
            assert labels["threadpool"] == str(cfg.threadpool)
            assert labels["workers"] == str(server.workers)
        tokens = samples(server.url, "lab_threadpool_tokens")
        assert len(tokens) == server.workers
        assert all(value == cfg.threadpool for _, value in tokens)
    assert _gone(pids)


@pytest.mark.slow
def test_user_configuration_is_launched(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text('[mine]\nserver = "uvicorn"\nthreadpool = 13\nloop = "asyncio"\ndescription = "Mine."\n')
    cfg = load_catalogue([user])["mine"]
    with Server(cfg, port=free_port()) as server:
        time.sleep(0.3)
        assert total(server.url, "lab_threadpool_tokens") == 13
        assert samples(server.url, "lab_server_info")[0][0]["loop"] == "asyncio"


@pytest.mark.slow
def test_killed_gunicorn_worker_is_replaced_and_count_stays_exact(catalogue: dict[str, ServerConfig]) -> None:
    with Server(catalogue["gunicorn-multi"], port=free_port()) as server:
        workers = {int(p) for p in server.live_worker_pids()}
        assert len(workers) == 2
        stop = threading.Event()

        def hit(_: int) -> tuple[int, int]:
            ok = failed = 0
            with httpx.Client(base_url=server.url, timeout=10) as client:
                while not stop.is_set():
                    try:
                        if client.get("/io/async?ms=2").status_code == 200:
                            ok += 1
                    except httpx.HTTPError:
                        failed += 1
            return ok, failed

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(hit, i) for i in range(4)]
            time.sleep(1.0)
            victim = sorted(workers)[0]
            pool = [c.pid for c in psutil.Process(victim).children(recursive=True)]
            assert pool  # its process pool (and the pool's resource tracker)
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                live = {int(p) for p in server.live_worker_pids()}
                if len(live) == 2 and victim not in live:
                    break
                time.sleep(0.2)
            time.sleep(1.0)
            stop.set()
            results = [f.result() for f in futures]
        live = {int(p) for p in server.live_worker_pids()}
        assert victim not in live and len(live) == 2  # replaced, and its live gauges were dropped
        assert _gone(pool)  # the dead worker's pool children died with it (PR_SET_PDEATHSIG)
        ok = sum(r[0] for r in results)
        assert ok > 100
        # Counters of the dead worker stay in the sum: every answered request is counted exactly once.
        # A request is counted just before its response's last bytes leave: one the kill cut there is
        # counted and failed at its client, as Locust counts it (a failure is a request).
        failed = sum(r[1] for r in results)
        assert ok <= total(server.url, "http_requests_total", handler="/io/async") <= ok + failed
        assert total(server.url, "lab_threadpool_tokens") == 2 * 40


@pytest.mark.slow
def test_killed_uvicorn_worker_is_swept(catalogue: dict[str, ServerConfig]) -> None:
    with Server(catalogue["uvicorn-workers"], port=free_port()) as server:
        victim = int(sorted(server.live_worker_pids())[0])
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            server.sweep()
            live = {int(p) for p in server.live_worker_pids()}
            if victim not in live and len(live) == server.workers:
                break
            time.sleep(0.3)
        assert victim not in live and len(live) == server.workers


def test_busy_port_is_refused_before_spawning(catalogue: dict[str, ServerConfig]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        server = Server(catalogue["uvicorn-single"], port=sock.getsockname()[1])
        with pytest.raises(LaunchError, match="busy"):
            server.start()
        assert server.process is None


@pytest.mark.slow
def test_server_that_dies_at_start_is_reported(catalogue: dict[str, ServerConfig], tmp_path: Path) -> None:
    # An upstream URL that is not a URL makes the app's start-up fail inside every worker.
    server = Server(
        catalogue["uvicorn-single"],
        port=free_port(),
        log=tmp_path / "log",
        extra_env={"LAB_THREADPOOL": "not-a-number"},
    )
    with pytest.raises(LaunchError, match="exited"):
        server.start()
    assert server.process is None and server.metrics_dir is None


def test_parse_cpus() -> None:
    assert parse_cpus("0") == [0]
    assert parse_cpus(None) is None
    with pytest.raises(LaunchError, match="usable cores"):
        parse_cpus("99")
    with pytest.raises(LaunchError, match="expected"):
        parse_cpus("a")


@pytest.mark.slow
def test_pinned_server_runs_on_the_given_core(catalogue: dict[str, ServerConfig]) -> None:
    with Server(catalogue["gunicorn-multi"], port=free_port(), cpus=[0]) as server:
        assert server.workers == 1
        for pid in server.pids():
            assert psutil.Process(pid).cpu_affinity() == [0]
