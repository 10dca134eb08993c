"""Reading a server's /metrics in tests."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


def samples(url: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Every sample called `name` (e.g. http_requests_total) at `url`/metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return [
        (dict(s.labels), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    ]


def total(url: str, name: str, **labels: str) -> float:
    """The sum of `name` over every sample whose labels include `labels`."""
    return sum(v for lab, v in samples(url, name) if all(lab.get(k) == x for k, x in labels.items()))
