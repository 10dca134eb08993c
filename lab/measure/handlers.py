"""The server's side of a window, per handler (route template): requests, mean and p95 latency, CPU.

A user's scenario may call several endpoints, and the app may call itself (an upstream on the same server):
the report reconciles and explains each handler on its own (issue 11 §4). Counted from the server's
request counter, latency histogram, CPU-per-request histogram (lab.server.demand) and loop-time summary
(lab.server.loop_time), read at the start and at the end of the window.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.measure.samples import Snapshot, buckets, increase, quantile
from lab.shared import metric_names as names

REQUESTS = names.total(names.HTTP_REQUESTS)


@dataclass(frozen=True)
class HandlerWindow:
    """One handler over a window: requests it finished, their mean and p95 latency (server side), the
    worker's mean CPU while one was in flight (its own CPU at one user; None from a server without it) and
    the mean time its tasks held the event loop."""

    requests: float
    mean_ms: float | None
    p95_ms: float | None
    cpu_ms: float | None = None
    loop_ms: float | None = None  # the time its tasks held the event loop (lab.server.loop_time)


def _per_handler(snapshot: Snapshot, name: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for labels, value in snapshot.get(name, []):
        handler = labels.get("handler", "")
        found[handler] = found.get(handler, 0.0) + value
    return found


def _mean_ms(first: Snapshot, last: Snapshot, histogram: str, handler: str) -> float | None:
    """The mean of a histogram's observations of `handler` between two readings (_sum and _count deltas)."""
    sums, counts = names.sample(histogram, "sum"), names.sample(histogram, "count")
    count = increase(
        _per_handler(first, counts).get(handler, 0.0), _per_handler(last, counts).get(handler, 0.0)
    )
    seconds = increase(
        _per_handler(first, sums).get(handler, 0.0), _per_handler(last, sums).get(handler, 0.0)
    )
    return round(seconds / count * 1000, 3) if count > 0 else None


def breakdown(first: Snapshot, last: Snapshot, exclude: tuple[str, ...] = ()) -> dict[str, HandlerWindow]:
    """Every handler that finished a request between `first` and `last`, but those in `exclude` (the
    metrics path); latency from the deltas of the histogram's _sum and _count (never a lifetime mean)."""
    requests = {h: increase(_per_handler(first, REQUESTS).get(h, 0.0), v)
                for h, v in _per_handler(last, REQUESTS).items()}  # fmt: skip
    found: dict[str, HandlerWindow] = {}
    for handler, served in sorted(requests.items()):
        if handler in exclude or served <= 0:
            continue
        before = buckets(first, names.HTTP_LATENCY, handler=handler)
        after = buckets(last, names.HTTP_LATENCY, handler=handler)
        if after.get(float("inf"), 0.0) < before.get(float("inf"), 0.0):
            before = {}
        p95 = quantile(0.95, {le: n - before.get(le, 0.0) for le, n in after.items()})
        found[handler] = HandlerWindow(
            requests=served,
            mean_ms=_mean_ms(first, last, names.HTTP_LATENCY, handler),
            p95_ms=None if p95 is None else round(p95 * 1000, 3),
            cpu_ms=_mean_ms(first, last, names.REQUEST_CPU, handler),
            loop_ms=_mean_ms(first, last, names.REQUEST_LOOP, handler),
        )
    return found
