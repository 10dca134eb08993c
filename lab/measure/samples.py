"""A server's /metrics as data: one read of the exposition, the sums and the histogram maths over it.

The lower piece of the measurement: the window's totals (`lab.measure.scrape`) and the per-handler
breakdown (`lab.measure.handlers`) both read snapshots through it, so neither imports the other.
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from lab.shared import http_client, metric_names

# Every sample of one read, by sample name: (labels, value) per series.
Snapshot = dict[str, list[tuple[dict[str, str], float]]]


def read(url: str) -> Snapshot:
    """Every sample of the exposition at `url` (a server's `metrics_url`), by sample name."""
    response = http_client.get(url, timeout=10)
    response.raise_for_status()
    found: Snapshot = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), float(sample.value)))
    return found


def total(snapshot: Snapshot, name: str, **labels: str) -> float:
    """The sum of sample `name` over the series whose labels include `labels`."""
    return sum(v for lab, v in snapshot.get(name, []) if all(lab.get(k) == x for k, x in labels.items()))


def buckets(snapshot: Snapshot, name: str, **match: str) -> dict[float, float]:
    """Cumulative bucket counts of histogram `name`, summed over the series whose labels include `match`."""
    counts: dict[float, float] = {}
    for labels, value in snapshot.get(metric_names.sample(name, "bucket"), []):
        if any(labels.get(k) != v for k, v in match.items()):
            continue
        le = float(labels["le"])
        counts[le] = counts.get(le, 0.0) + value
    return counts


def quantile(q: float, cumulative: dict[float, float]) -> float | None:
    """As PromQL's histogram_quantile: linear interpolation inside the bucket that holds rank q."""
    bounds = sorted(cumulative)
    if not bounds or cumulative[bounds[-1]] <= 0:
        return None
    rank = q * cumulative[bounds[-1]]
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = cumulative[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            inside = count - lower_count
            return lower_bound + (bound - lower_bound) * ((rank - lower_count) / inside if inside else 0)
        lower_bound, lower_count = bound, count
    return lower_bound


def increase(before: float, after: float) -> float:
    """How much a counter grew between two readings; a lower second reading is a reset (the process
    restarted and counts from zero again), so all of it is new, as PromQL's increase() takes it."""
    return after - before if after >= before else after
