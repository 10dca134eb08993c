"""The client-latency histograms' format, shared by the Locust plugin that records them
(`lab.loadgen.latency`) and the orchestrator that reads them (`lab.runtime.latency`), which must not import
Locust (gevent's monkey patching): HdrHistogram's parameters and the rows of `PREFIX_latency.json`."""

from __future__ import annotations

from typing import Literal, TypedDict

from hdrh.histogram import HdrHistogram

LOWEST_US, HIGHEST_US, DIGITS = 1, 3_600_000_000, 3  # microseconds: 1 us to 1 hour, 3 significant digits
US_PER_MS = 1000.0

# Where a request's latency is measured from: when it was sent (a closed loop), or when the open model's
# schedule wanted it sent (coordinated omission corrected, issue 25).
LatencyFrom = Literal["send", "schedule"]


class Row(TypedDict):
    """One request name of PREFIX_latency.json: its histograms in HdrHistogram's base64 encoding."""

    name: str
    method: str
    send: str | None
    schedule: str | None  # None: no open-model request (a closed loop)


def histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def microseconds(seconds: float) -> int:
    return min(HIGHEST_US, max(LOWEST_US, round(seconds * 1e6)))


def encoded(h: HdrHistogram | None) -> str | None:
    """HdrHistogram's base64 text of `h`, None for an empty or missing one."""
    return h.encode().decode("ascii") if h is not None and h.get_total_count() else None
