"""Each request's time on the event loop (lab.server.loop_time): in a loop here, then through real servers.

What blocks the loop counts (a `time.sleep` or CPU in `async def`, in the request's own steps or a task it
started); what awaits does not; tasks started outside a request are left alone; the trampoline passes
values, exceptions and cancellations through unchanged.
"""

from __future__ import annotations

import asyncio
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from lab.runtime.launcher import Server
from lab.server import loop_time
from lab.shared.configs import ServerConfig
from lab.shared.target import AppTarget
from tests.conftest import free_port
from tests.metrics_support import samples


def _in_loop(handler: object) -> float:
    """Run `handler` as the lab's middleware runs an app: begin, await it timed, read what it held."""

    async def request() -> float:
        held = loop_time.begin()
        await loop_time.timed(handler())  # type: ignore[operator]
        return held[0]

    async def main() -> float:
        loop_time.install(asyncio.get_running_loop())
        return await asyncio.get_running_loop().create_task(request())

    return asyncio.run(main())


def test_blocking_counts_awaiting_does_not() -> None:
    async def blocks() -> None:
        time.sleep(0.03)

    async def awaits() -> None:
        await asyncio.sleep(0.03)

    async def blocks_after_awaiting() -> None:
        await asyncio.sleep(0.01)
        time.sleep(0.03)
        await asyncio.sleep(0.01)

    assert 0.029 <= _in_loop(blocks) < 0.2
    assert _in_loop(awaits) < 0.01
    assert 0.029 <= _in_loop(blocks_after_awaiting) < 0.2


def test_a_task_the_request_started_counts_for_it() -> None:
    async def child() -> None:
        time.sleep(0.03)

    async def starts_a_child() -> None:
        await asyncio.create_task(child())

    assert 0.029 <= _in_loop(starts_a_child) < 0.2


def test_tasks_started_outside_a_request_are_left_alone() -> None:
    async def main() -> tuple[str, str]:
        loop = asyncio.get_running_loop()
        loop_time.install(loop)
        outside = loop.create_task(asyncio.sleep(0))

        async def request() -> asyncio.Task[None]:
            loop_time.begin()
            return loop.create_task(asyncio.sleep(0))

        inside = await loop.create_task(request())
        await asyncio.gather(outside, inside)
        return outside.get_coro().__name__, inside.get_coro().__name__  # type: ignore[union-attr]

    assert asyncio.run(main()) == ("sleep", "_task")


def test_values_exceptions_and_cancellation_pass_through() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop_time.install(loop)
        loop_time.install(loop)  # once is enough: not wrapped twice

        async def value() -> int:
            await asyncio.sleep(0)
            return 7

        async def fails() -> None:
            await asyncio.sleep(0)
            raise KeyError("k")

        async def catches() -> str:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                return "cleaned up"
            return "not cancelled"

        loop_time.begin()  # as in a request: the tasks below are wrapped
        assert await loop.create_task(value()) == 7
        with pytest.raises(KeyError):
            await loop.create_task(fails())
        sleeper = loop.create_task(asyncio.sleep(10))
        await asyncio.sleep(0)
        sleeper.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sleeper
        assert sleeper.cancelled()
        catcher = loop.create_task(catches())
        await asyncio.sleep(0)
        catcher.cancel()
        assert await catcher == "cleaned up"
        assert getattr(loop.get_task_factory(), "lab_previous", "x") is None
        loop_time.uninstall(loop)
        assert loop.get_task_factory() is None

    asyncio.run(main())


def test_an_existing_task_factory_still_creates_the_tasks() -> None:
    made: list[str] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: object, **kwargs: object) -> asyncio.Task[object]:
        made.append(coro.cr_code.co_name)  # type: ignore[attr-defined]
        return asyncio.Task(coro, loop=loop, **kwargs)  # type: ignore[arg-type]

    async def blocks() -> None:
        time.sleep(0.02)

    async def main() -> float:
        loop = asyncio.get_running_loop()
        loop.set_task_factory(factory)
        loop_time.install(loop)
        held = loop_time.begin()
        await loop.create_task(blocks())
        return held[0]

    assert 0.019 <= asyncio.run(main()) < 0.2
    assert "_task" in made  # the request's child task: wrapped by the lab, created by their factory


SERVICE = """
import asyncio, time
from fastapi import FastAPI

app = FastAPI()

@app.middleware("http")  # Starlette's BaseHTTPMiddleware: the app below runs in a child task
async def passthrough(request, call_next):
    return await call_next(request)

@app.get("/blocks")
async def blocks():
    time.sleep(0.04)
    return {}

@app.get("/awaits")
async def awaits():
    await asyncio.sleep(0.04)
    return {}

@app.get("/sync")
def sync():
    time.sleep(0.04)
    return {}
"""


@pytest.mark.slow
@pytest.mark.parametrize("config", ["uvicorn-single", "gunicorn-multi", "granian"])
def test_real_servers_export_each_handlers_loop_time_and_each_workers_requests(
    catalogue: dict[str, ServerConfig], tmp_path: Path, config: str
) -> None:
    (tmp_path / "svc.py").write_text(textwrap.dedent(SERVICE))
    target = AppTarget("svc:app", factory=False, app_dir=str(tmp_path))
    server = Server(catalogue[config], port=free_port(), log=tmp_path / "server.log", target=target)
    with server, httpx.Client(base_url=server.url, timeout=10) as client:
        for path in ("/blocks", "/awaits", "/sync") * 4:
            assert client.get(path).status_code == 200
        time.sleep(0.3)  # each worker publishes its count every 50 ms (lab.server.metrics.publish_served)
        per_worker = {
            labels["pid"]: value for labels, value in samples(server.url, "lab_worker_requests_total")
        }
        assert sum(per_worker.values()) == 12 and set(per_worker) <= set(server.live_worker_pids())
        found: dict[tuple[str, str], float] = {}
        for labels, value in samples(server.url, "lab_request_loop_seconds_sum"):
            key = (labels["handler"], "sum")
            found[key] = found.get(key, 0.0) + value
        for labels, value in samples(server.url, "lab_request_loop_seconds_count"):
            key = (labels["handler"], "count")
            found[key] = found.get(key, 0.0) + value
    mean = {h: found[(h, "sum")] / found[(h, "count")] for h in ("/blocks", "/awaits", "/sync")}
    assert {found[(h, "count")] for h in mean} == {4}
    assert 0.039 <= mean["/blocks"] < 0.2
    assert mean["/awaits"] < 0.02 and mean["/sync"] < 0.02
