"""The experiments that time single requests with httpx on a real server: a burst sent at once, a probe
sent while a long request holds the loop, and plain timings."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable
from typing import Protocol

import httpx

from lab.claims.numbers import ExperimentError, Numbers, median_of
from lab.claims.spec import Burst, LoopProbe, Target, Timing
from lab.measure import samples
from lab.runtime.launcher import Server
from lab.shared import http_client, metric_names
from lab.shared.configs import thread_tokens


class Bench(Protocol):
    """What a probe needs of the run's bench (`lab.claims.experiments.Bench` is one): declared here, so
    that the bench imports the probes and nothing imports back (issue 27)."""

    say: Callable[[str], None]

    def server(self, target: Target) -> Server: ...

    def repeats(self, n: int) -> int: ...


def burst(bench: Bench, experiment: Burst, label: str) -> Numbers:
    server = bench.server(experiment)
    tokens = thread_tokens(server.workers, server.config.threadpool)
    bench.say(f"  {label}: {experiment.requests} x {experiment.path}?ms={experiment.ms} at once")
    runs = [
        asyncio.run(_burst(server.url, experiment.path, experiment.ms, experiment.requests))
        for _ in range(bench.repeats(experiment.repeats))
    ]
    for run in runs:
        run["tokens"] = float(tokens)
    return median_of(runs)


async def _burst(url: str, path: str, ms: int, requests: int) -> Numbers:
    limits = httpx.Limits(max_connections=requests + 1, max_keepalive_connections=requests + 1)
    timeout = httpx.Timeout(requests * ms / 1000 + 30)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:

        async def one() -> tuple[float, float]:
            started = time.perf_counter()
            response = await client.get(path, params={"ms": ms})
            response.raise_for_status()
            return started, time.perf_counter()

        async def waiting(done: asyncio.Event) -> float:
            # The loop probe publishes the limiter's queue every 50 ms; /metrics is async, so it answers.
            most = 0.0
            while not done.is_set():
                snapshot = await asyncio.to_thread(samples.read, url + "/metrics")
                most = max(most, samples.total(snapshot, metric_names.THREADPOOL_WAITING))
                await asyncio.sleep(0.1)
            return most

        done = asyncio.Event()
        watcher = asyncio.create_task(waiting(done))
        try:
            spans = await asyncio.gather(*(one() for _ in range(requests)))
        finally:
            done.set()
        waiting_max = await watcher
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    latencies = sorted(end - start for start, end in spans)
    return {
        "concurrency": requests * ms / 1000 / wall,
        "wall_ms": wall * 1000,
        "latency_p50_ms": statistics.median(latencies) * 1000,
        "latency_max_ms": latencies[-1] * 1000,
        "queue_rounds": latencies[-1] * 1000 / ms,
        "waiting_max": waiting_max,
        "requests": float(requests),
        "ms": float(ms),
    }


def loop_probe(bench: Bench, experiment: LoopProbe, label: str) -> Numbers:
    server = bench.server(experiment)
    bench.say(
        f"  {label}: {experiment.probe} {experiment.delay_ms} ms into {experiment.path}?ms={experiment.ms}"
    )
    runs = [_loop_probe(server.url, experiment) for _ in range(bench.repeats(experiment.repeats))]
    return median_of(runs)


def _loop_probe(url: str, experiment: LoopProbe) -> Numbers:
    background: dict[str, float] = {}

    def long_request() -> None:
        started = time.perf_counter()
        http_client.get(
            url + experiment.path, params={"ms": experiment.ms}, timeout=experiment.ms / 1000 + 30
        ).raise_for_status()
        background["ms"] = (time.perf_counter() - started) * 1000

    thread = threading.Thread(target=long_request, name="lab-claims-background")
    thread.start()
    try:
        time.sleep(experiment.delay_ms / 1000)
        started = time.perf_counter()
        http_client.get(url + experiment.probe, timeout=experiment.ms / 1000 + 30).raise_for_status()
        probe_ms = (time.perf_counter() - started) * 1000
    finally:
        thread.join(timeout=experiment.ms / 1000 + 35)
    if "ms" not in background:
        raise ExperimentError(f"{experiment.path}?ms={experiment.ms} did not answer")
    return {
        "probe_ms": probe_ms,
        "background_ms": background["ms"],
        "blocked_fraction": probe_ms / (experiment.ms - experiment.delay_ms),
        "ms": float(experiment.ms),
    }


def timing(bench: Bench, experiment: Timing, label: str) -> Numbers:
    server = bench.server(experiment)
    bench.say(f"  {label}: {', '.join(experiment.paths.values())}")
    samples: dict[str, list[float]] = {name: [] for name in experiment.paths}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for path in experiment.paths.values():
            client.get(path).raise_for_status()  # warm-up: the app opens its upstream connections
        for _ in range(bench.repeats(experiment.repeats)):
            for name, path in experiment.paths.items():  # interleaved: a noisy moment hits every path
                started = time.perf_counter()
                client.get(path).raise_for_status()
                samples[name].append((time.perf_counter() - started) * 1000)
    return {f"{name}.ms": statistics.median(values) for name, values in samples.items()}
