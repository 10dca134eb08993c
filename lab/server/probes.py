"""Probes that explain the numbers: event-loop lag, thread-pool occupancy, CPU and memory per worker.

The loop probe runs on the event loop on purpose: how late its timer fires *is* the lag, and the
thread-limiter statistics are read where they change. CPU and RSS come from a thread, so they keep
being sampled while the loop is blocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading

import anyio.to_thread
import psutil

from lab.server import metrics


async def loop_probe(interval_s: float) -> None:
    """Forever: sleep `interval_s`, record how late the wake-up was, sample the thread limiter, publish
    this worker's requests (metrics.publish_served)."""
    loop = asyncio.get_running_loop()
    limiter = anyio.to_thread.current_default_thread_limiter()
    while True:
        start = loop.time()
        await asyncio.sleep(interval_s)
        metrics.EVENT_LOOP_LAG.observe(max(0.0, loop.time() - start - interval_s))
        metrics.publish_served()
        stats = limiter.statistics()
        metrics.THREADPOOL_TOKENS.set(stats.total_tokens)
        metrics.THREADPOOL_IN_USE.set(stats.borrowed_tokens)
        metrics.THREADPOOL_WAITING.set(stats.tasks_waiting)


class ResourceSampler(threading.Thread):
    """Adds this worker's CPU seconds (and its process pool's) to counters; sets its RSS."""

    def __init__(self, interval_s: float) -> None:
        super().__init__(name="lab-resource-sampler", daemon=True)
        self.interval_s = interval_s
        self._stop_event = threading.Event()
        self._proc = psutil.Process(os.getpid())
        self._seen: dict[tuple[int, str], float] = {}
        pid = str(self._proc.pid)
        self._worker_cpu = metrics.PROCESS_CPU.labels(pid=pid, kind="worker")
        self._pool_cpu = metrics.PROCESS_CPU.labels(pid=pid, kind="pool")

    def sample(self) -> None:
        with self._proc.oneshot():
            times = self._proc.cpu_times()
            rss = self._proc.memory_info().rss
        self._add(self._worker_cpu, (self._proc.pid, "worker"), times.user + times.system)
        for child in self._proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                ctimes = child.cpu_times()
                rss += child.memory_info().rss
                self._add(self._pool_cpu, (child.pid, "pool"), ctimes.user + ctimes.system)
        metrics.PROCESS_RSS.set(rss)

    def _add(self, counter: object, key: tuple[int, str], total: float) -> None:
        delta = total - self._seen.get(key, 0.0)
        if delta > 0:
            counter.inc(delta)  # type: ignore[attr-defined]
            self._seen[key] = total

    def run(self) -> None:
        while not self._stop_event.is_set():
            with contextlib.suppress(psutil.Error):
                self.sample()
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)
        with contextlib.suppress(psutil.Error):
            self.sample()  # a last sample, so a short run's CPU is not lost
