"""The server's side per handler: requests, mean latency from _sum/_count deltas, p95 from the buckets."""

from __future__ import annotations

from lab.measure.handlers import HandlerWindow, breakdown
from lab.measure.samples import Snapshot


def snapshot(served: dict[str, tuple[float, float, dict[float, float]]]) -> Snapshot:
    """handler -> (requests, latency seconds summed, cumulative buckets), as /metrics exposes them."""
    found: Snapshot = {}
    for handler, (count, seconds, buckets) in served.items():
        found.setdefault("http_requests_total", []).append(
            ({"handler": handler, "method": "GET", "status": "2xx"}, count)
        )
        found.setdefault("http_request_duration_seconds_sum", []).append(({"handler": handler}, seconds))
        found.setdefault("http_request_duration_seconds_count", []).append(({"handler": handler}, count))
        for le, n in buckets.items():
            found.setdefault("http_request_duration_seconds_bucket", []).append(
                ({"handler": handler, "le": str(le)}, n)
            )
    return found


def test_each_handler_over_the_window_the_metrics_path_aside() -> None:
    first = snapshot({"/items/{item_id}": (10, 0.1, {0.01: 10, float("inf"): 10}), "/metrics": (3, 0, {})})
    last = snapshot(
        {
            "/items/{item_id}": (110, 2.1, {0.01: 10, 0.05: 110, float("inf"): 110}),
            "/upstream/price/{item_id}": (50, 0.25, {0.01: 50, float("inf"): 50}),
            "/metrics": (9, 0, {}),
        }
    )
    found = breakdown(first, last, exclude=("/metrics",))
    assert set(found) == {"/items/{item_id}", "/upstream/price/{item_id}"}
    items = found["/items/{item_id}"]
    assert items.requests == 100 and items.mean_ms == 20.0  # (2.1 - 0.1) s / 100
    assert items.p95_ms is not None and 10 < items.p95_ms <= 50  # inside the (10, 50] ms bucket
    assert found["/upstream/price/{item_id}"] == HandlerWindow(50, 5.0, 9.5)


def test_a_handler_idle_in_the_window_is_left_out_and_a_reset_counts_from_zero() -> None:
    first = snapshot({"/a": (100, 1.0, {float("inf"): 100}), "/b": (7, 0.7, {float("inf"): 7})})
    last = snapshot({"/a": (4, 0.4, {float("inf"): 4}), "/b": (7, 0.7, {float("inf"): 7})})  # /a restarted
    found = breakdown(first, last)
    assert list(found) == ["/a"] and found["/a"].requests == 4 and found["/a"].mean_ms == 100.0
