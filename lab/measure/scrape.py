"""The server's side of a cell: its /metrics read at the start, during and at the end of the measurement."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import psutil

from lab.measure.handlers import HandlerWindow, breakdown
from lab.measure.samples import Snapshot, buckets, increase, quantile, read, total
from lab.measure.workers import PROCESS_CPU, busiest_share, per_worker, workers_busy
from lab.shared import metric_names as names
from lab.shared.timeline import TimelinePoint

REQUESTS = names.total(names.HTTP_REQUESTS)


POLL_S = 0.1  # between two reads of a drain: nothing may finish in it

Read = tuple[float, Snapshot]  # a read of a server's metrics, and when it came back (time.monotonic())


def drain(url: str, timeout_s: float = 60.0) -> bool:
    """Wait until the server has no request in flight (see `settle`); False if it did not drain in time."""
    return settle(url, timeout_s)[0]


def settle(url: str, timeout_s: float = 60.0, since: Read | None = None) -> tuple[bool, Snapshot]:
    """Wait until the server has no request in flight (Locust stops users mid-request; their queued
    work must not leak into the next measurement): whether it drained in time, and the last read (the
    window's first or last reading, read once).

    Drained means nothing in progress *and* nothing finished since the previous read, at least POLL_S
    before: a blocked event loop answers one queued request at a time, and between two of them nothing is
    in progress. `since`, an earlier read of the same server, stands for that previous read (a server
    that drained at one cell's end and was sent nothing since is drained at the next one's first read)."""
    deadline = time.monotonic() + timeout_s
    path = urlsplit(url).path
    served: float | None = None
    if since is not None:  # the previous read: this one comes at least POLL_S after it
        served = apart(since[1], REQUESTS, path)
        time.sleep(max(0.0, since[0] + POLL_S - time.monotonic()))
    while True:
        snapshot = read(url)
        now = apart(snapshot, REQUESTS, path)
        if in_progress(snapshot, path) <= 0 and now == served:
            return True, snapshot
        if time.monotonic() >= deadline:
            return False, snapshot
        served = now
        time.sleep(POLL_S)


def in_progress(snapshot: Snapshot, metrics_path: str) -> float:
    """Requests in flight but the read that asked: an in-progress gauge without a `handler` label (the
    instrumentator's default) counts the /metrics request it is serving."""
    series = snapshot.get(names.HTTP_INPROGRESS, [])
    if series and not any("handler" in labels for labels, _ in series):
        return total(snapshot, names.HTTP_INPROGRESS) - 1
    return apart(snapshot, names.HTTP_INPROGRESS, metrics_path)


def apart(snapshot: Snapshot, name: str, metrics_path: str, **labels: str) -> float:
    """`total` of `name` but for the series of the metrics path itself: an app whose instrumentation counts
    its /metrics (prometheus-fastapi-instrumentator does; the lab's wrapper does not) is read while it
    serves that read, which must neither count as work nor keep it from draining."""
    if "handler" in labels:
        return total(snapshot, name, **labels)
    return total(snapshot, name, **labels) - total(snapshot, name, handler=metrics_path, **labels)


def _delta(now: dict[float, float], before: dict[float, float]) -> dict[float, float]:
    """Bucket counts observed between two readings of a cumulative histogram (a reset: all of `now`)."""
    if now.get(float("inf"), 0.0) < before.get(float("inf"), 0.0):
        return dict(now)
    return {le: count - before.get(le, 0.0) for le, count in now.items()}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _rate(series: list[tuple[float, float]], window: tuple[float, float] | None) -> float | None:
    """Per-second increase of a counter between its first and last reading inside `window`."""
    if window is None:
        return None
    inside = [(t, v) for t, v in series if window[0] <= t <= window[1]]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return None
    grown = sum(increase(a, b) for (_, a), (_, b) in itertools.pairwise(inside))
    return grown / (inside[-1][0] - inside[0][0])


def _lag_mean_ms(first: Snapshot, last: Snapshot) -> float | None:
    """The loop probe's mean lag over a window, every loop's probes."""
    lag_sum, lag_count = (
        increase(total(first, names.sample(names.EVENT_LOOP_LAG, part)),
                 total(last, names.sample(names.EVENT_LOOP_LAG, part)))
        for part in ("sum", "count")
    )  # fmt: skip
    return lag_sum / lag_count * 1000 if lag_count > 0 else None


def _loop_seconds(first: Snapshot, last: Snapshot) -> float | None:
    """The time the requests' steps held the event loops over a window, every handler and worker; None from
    a server that does not time them."""
    name = names.sample(names.REQUEST_LOOP, "sum")
    if name not in last:
        return None
    return increase(total(first, name), total(last, name))


@dataclass
class ServerWindow:
    """What the server said about one measurement window."""

    cpu_s: float
    window_s: float  # from the first read to the last: what cpu_s and requests were counted over
    cores: float | None  # cores the server's process tree used while Locust's users were sending
    requests: float
    loop_lag_p99_ms: float | None
    threadpool_in_use_max: float
    threadpool_waiting_max: float
    process_pool_pending_max: float
    workers_busy: float | None  # busy workers, request-weighted (else CPU-weighted): N when N share evenly
    drained: bool = True  # False: requests were still in flight at the last read (not all counted)
    timeline: list[TimelinePoint] = field(default_factory=list)  # every read while the cell ran
    loop_s: float | None = None  # the request steps' time on the loops, all workers (None: not timed)
    # The loop probe's mean lag over every loop's probes, and how many loops probed (one per worker).
    loop_lag_mean_ms: float | None = None
    loops: int = 1
    worker_share: float | None = None  # the busiest worker's own CPU over the server's (lab.measure.workers)
    # Every handler the server served in the window (route template -> its numbers), the metrics path aside.
    handlers: dict[str, HandlerWindow] = field(default_factory=dict)

    @property
    def loop_busy(self) -> float | None:
        """Loop-seconds per second the requests' steps held, all workers (1 = one loop busy throughout)."""
        return self.loop_s / self.window_s if self.loop_s is not None and self.window_s > 0 else None

    @property
    def worker_busiest_cpu(self) -> float | None:
        """Cores the busiest worker process used (its own threads): above one, its CPU ran outside the GIL."""
        return None if self.cores is None or self.worker_share is None else self.cores * self.worker_share


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live descendants, read from outside."""
    total_s = 0.0
    main = psutil.Process(pid)
    for proc in [main, *main.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total_s += times.user + times.system
    return total_s


class CpuSampler(threading.Thread):
    """The server tree's CPU every `interval_s`, from outside: a blocked event loop cannot delay it."""

    def __init__(self, pid: int, interval_s: float = 0.25) -> None:
        super().__init__(name="lab-compare-cpu", daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.series: list[tuple[float, float]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            with contextlib.suppress(psutil.Error):
                self.series.append((time.time(), tree_cpu_seconds(self.pid)))
            self._stop_event.wait(self.interval_s)

    def finish(self) -> list[tuple[float, float]]:
        self._stop_event.set()
        self.join(timeout=5)
        return self.series


class Watcher(threading.Thread):
    """Reads the server's metrics (`url`) every `interval_s` while a cell runs (as Prometheus would)."""

    def __init__(
        self,
        url: str,
        handler: str | None,
        interval_s: float = 0.5,
        server_pid: int | None = None,
        first: Snapshot | None = None,  # a read just made (`settle`'s), else read now
    ) -> None:
        super().__init__(name="lab-compare-watcher", daemon=True)
        self.url = url
        self.handler = handler
        self.interval_s = interval_s
        self.cpu = CpuSampler(server_pid) if server_pid else None
        self.first = first if first is not None else read(url)
        self.first_at = time.monotonic()
        self.samples: list[tuple[float, Snapshot]] = []
        self._stop_event = threading.Event()
        self.drained = False  # whether the server had finished every request at the last read
        self.drained_read: Read | None = None  # that last read, when it found the server drained

    def run(self) -> None:
        if self.cpu is not None:
            self.cpu.start()
        while not self._stop_event.wait(self.interval_s):
            try:
                self.samples.append((time.time(), read(self.url)))
            except httpx.HTTPError:
                continue  # a busy or dying server; the runner notices death on its own

    def finish(self, load_window: tuple[float, float] | None = None) -> ServerWindow:
        self._stop_event.set()
        self.join(timeout=15)
        cores = _rate(self.cpu.finish(), load_window) if self.cpu is not None else None
        # The requests Locust abandoned at the stop are still being served: count them in the window,
        # so that server_requests = requests + abandoned when nothing is lost.
        self.drained, last = settle(self.url)
        window_s = time.monotonic() - self.first_at
        self.drained_read = (time.monotonic(), last) if self.drained else None
        request_labels = {"handler": self.handler} if self.handler else {}
        timeline = []
        previous = self.first
        handler = {"handler": self.handler} if self.handler else {}
        for t, snap in self.samples:
            lag = _delta(buckets(snap, names.EVENT_LOOP_LAG), buckets(previous, names.EVENT_LOOP_LAG))
            latency = _delta(
                buckets(snap, names.HTTP_LATENCY, **handler), buckets(previous, names.HTTP_LATENCY, **handler)
            )
            timeline.append(
                TimelinePoint(
                    t=round(t, 3),
                    in_use=total(snap, names.THREADPOOL_IN_USE),
                    waiting=total(snap, names.THREADPOOL_WAITING),
                    lag_p99_ms=_ms(quantile(0.99, lag)),
                    server_p50_ms=_ms(quantile(0.50, latency)),
                    server_p95_ms=_ms(quantile(0.95, latency)),
                )
            )
            previous = snap
        lag_window = _delta(buckets(last, names.EVENT_LOOP_LAG), buckets(self.first, names.EVENT_LOOP_LAG))
        lag_p99 = quantile(0.99, lag_window)
        snaps = [s for _, s in self.samples] + [last]
        workers = per_worker(self.first, last)
        return ServerWindow(
            window_s=window_s,
            cores=cores,
            cpu_s=increase(
                total(self.first, PROCESS_CPU),
                total(last, PROCESS_CPU),
            ),
            requests=increase(
                apart(self.first, REQUESTS, urlsplit(self.url).path, **request_labels),
                apart(last, REQUESTS, urlsplit(self.url).path, **request_labels),
            ),
            loop_lag_p99_ms=None if lag_p99 is None else lag_p99 * 1000,
            threadpool_in_use_max=max(total(s, names.THREADPOOL_IN_USE) for s in snaps),
            threadpool_waiting_max=max(total(s, names.THREADPOOL_WAITING) for s in snaps),
            process_pool_pending_max=max(total(s, names.PROCESS_POOL_PENDING) for s in snaps),
            workers_busy=workers_busy(self.first, last),
            worker_share=busiest_share(self.first, last),
            loop_s=_loop_seconds(self.first, last),
            drained=self.drained,
            timeline=timeline,
            handlers=breakdown(self.first, last, exclude=(urlsplit(self.url).path,)),
            loop_lag_mean_ms=_lag_mean_ms(self.first, last),
            loops=max(len(workers), 1),
        )
