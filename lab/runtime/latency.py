"""A run's client latency from the HDR histograms lab.loadgen.latency wrote at Locust's exit
(`PREFIX_latency.json`): exact percentiles, corrected for coordinated omission in the open model, and the
whole distribution as HdrHistogram's percentile file (`.hgrm`, what its plotter reads)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from hdrh.histogram import HdrHistogram

from lab.shared.latency import DIGITS, US_PER_MS, LatencyFrom, Row, histogram

TICKS_PER_HALF_DISTANCE = 5  # HdrHistogram's own default: percentile rows of a .hgrm file


@dataclass(frozen=True)
class Latency:
    """One request name's latency (every name's, merged, for an aggregate)."""

    latency_from: LatencyFrom
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    # Measured from the send (what an uncorrected load generator reports); None when latency_from is send.
    p50_ms_uncorrected: float | None = None
    p95_ms_uncorrected: float | None = None
    p99_ms_uncorrected: float | None = None
    histogram: HdrHistogram | None = field(default=None, repr=False, compare=False)  # latency_from's

    @property
    def hgrm(self) -> str:
        """The percentile distribution of the latency_from histogram, in milliseconds ("" without one):
        written out for the run that stands for a cell only, so drawn on demand (a quarter of a second)."""
        return hgrm(self.histogram) if self.histogram is not None else ""


def _ms(h: HdrHistogram, percent: float) -> float | None:
    return round(h.get_value_at_percentile(percent) / US_PER_MS, 3) if h.get_total_count() else None


def hgrm(h: HdrHistogram) -> str:
    """HdrHistogram's percentile distribution of `h` (recorded in microseconds), in milliseconds."""
    out = io.BytesIO()
    h.output_percentile_distribution(out, US_PER_MS, TICKS_PER_HALF_DISTANCE)
    text = out.getvalue().decode("ascii")
    # hdrhistogram 0.10 scales every value of the file but the standard deviation: scaled here.
    stddev = f"StdDeviation   = {h.get_stddev() / US_PER_MS:12.{DIGITS}f}]"
    return re.sub(r"StdDeviation   = +[0-9.]+\]", stddev, text, count=1)


def _merged(rows: list[Row], kind: str) -> HdrHistogram | None:
    found = [row[kind] for row in rows if row[kind]]  # type: ignore[literal-required]
    if not found:
        return None
    total = histogram()
    for encoded in found:
        total.decode_and_add(encoded)
    return total


def of(rows: list[Row]) -> Latency | None:
    """The latency of `rows` (one request name, or several to merge); None when nothing was recorded."""
    send, schedule = _merged(rows, "send"), _merged(rows, "schedule")
    if send is None:
        return None
    if schedule is None:
        return Latency("send", _ms(send, 50), _ms(send, 95), _ms(send, 99), histogram=send)
    return Latency(
        "schedule", _ms(schedule, 50), _ms(schedule, 95), _ms(schedule, 99),
        _ms(send, 50), _ms(send, 95), _ms(send, 99), histogram=schedule,
    )  # fmt: skip


def read(path: Path, handler: str | None) -> Latency | None:
    """The latency of request name `handler` in `path` (every name merged, for None or a name not there)."""
    if not path.exists():
        return None
    rows: list[Row] = json.loads(path.read_text())
    named = [row for row in rows if row["name"] == handler]
    return of(named or rows)


def percentiles(text: str) -> list[tuple[float, float]]:
    """(percentile as a fraction, value) of every row of a .hgrm file's text, in its order; comments, the
    header and rows that are not numbers are skipped."""
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or line.lstrip().startswith("#"):
            continue
        try:
            rows.append((float(fields[1]), float(fields[0])))
        except ValueError:
            continue
    return rows
