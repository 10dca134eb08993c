"""A run's client latency from the HDR histograms lab.loadgen.latency wrote at Locust's exit
(`PREFIX_latency.json`): exact percentiles, corrected for coordinated omission in the open model, and the
whole distribution as HdrHistogram's percentile file (`.hgrm`, what its plotter reads)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from hdrh.histogram import HdrHistogram

from lab.shared.latency import US_PER_MS, LatencyFrom, Row, histogram

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
        written out for the run that stands for a cell only, so drawn on demand."""
        return hgrm(self.histogram) if self.histogram is not None else ""


def _ms(h: HdrHistogram, percent: float) -> float | None:
    return round(h.get_value_at_percentile(percent) / US_PER_MS, 3) if h.get_total_count() else None


def _recorded(h: HdrHistogram) -> list[tuple[int, int]]:
    """(value, count) of every slot of `h` that holds a count, in order; the value is the slot's highest
    equivalent value, the one hdrh's iterators report."""
    found = []
    for index in range(h.counts_len):
        count = h.get_count_at_index(index)
        if count:
            found.append((h.get_highest_equivalent_value(h.get_value_from_index(index)), count))
    return found


def _percentile_rows(recorded: list[tuple[int, int]], total: int, ticks: int) -> list[tuple[int, float, int]]:
    """(value, percentile level, count up to it) of each row of the percentile distribution: what hdrh's
    PercentileIterator yields, stepping over the slots that hold a count only (an empty slot never reports
    a level and adds nothing to the count, so the rows are the same)."""
    rows: list[tuple[int, float, int]] = []
    level, so_far = 0.0, 0
    for value, count in recorded:
        so_far += count
        while 100.0 * so_far / total >= level:
            rows.append((value, level, so_far))
            gap = 100.0 - level
            if gap:
                level += 100.0 / (ticks * math.pow(2, (math.log(100 / gap) / math.log(2)) + 1))
            if so_far >= total:  # every count is in: this slot's one row, then the one at 100%
                rows.append((value, 100.0, so_far))
                return rows
    return rows


def _mean_stddev(h: HdrHistogram, recorded: list[tuple[int, int]], total: int) -> tuple[float, float]:
    """hdrh's get_mean_value() and get_stddev(): over each slot's median equivalent value, summed in order."""
    medians = []
    for value, count in recorded:
        lowest = h.get_lowest_equivalent_value(value)
        medians.append((lowest + ((value + 1 - lowest) >> 1), count))
    mean = float(sum(m * c for m, c in medians)) / total
    squares = 0.0
    for median, count in medians:
        dev = (median * 1.0) - mean
        squares += (dev * dev) * count
    return mean, math.sqrt(squares / total)


def hgrm(h: HdrHistogram) -> str:
    """HdrHistogram's percentile distribution of `h` (recorded in microseconds), in milliseconds: the text
    hdrh's output_percentile_distribution writes, with the standard deviation scaled too (hdrhistogram 0.10
    scales every value of the file but that one). Built from the slots that hold a count: hdrh walks every
    slot (23,552 here) in Python four times for it, a sixth of a second a cell."""
    total, d = h.get_total_count(), h.significant_figures
    recorded = _recorded(h) if total else []
    lines = [f"{'Value':>12} {'Percentile':>14} {'TotalCount':>10} {'1/(1-Percentile)':>14}\n\n"]
    for value, level, so_far in _percentile_rows(recorded, total, TICKS_PER_HALF_DISTANCE) if total else []:
        row = f"{value / US_PER_MS:12.{d}f} {level / 100:2.12f} {so_far:10d}"
        lines.append(f"{row} {1 / (1 - level / 100):14.2f}\n" if level != 100 else f"{row}\n")
    mean, stddev = _mean_stddev(h, recorded, total) if total else (0.0, 0.0)
    max_ms = h.get_max_value() / US_PER_MS
    lines += [
        f"#[Mean    = {mean / US_PER_MS:12.{d}f}, StdDeviation   = {stddev / US_PER_MS:12.{d}f}]\n",
        f"#[Max     = {max_ms:12.{d}f}, TotalCount     = {total:12.{d}f}]\n",
        f"#[Buckets = {h.bucket_count:12d}, SubBuckets     = {h.sub_bucket_count:12d}]\n",
    ]
    return "".join(lines)


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
