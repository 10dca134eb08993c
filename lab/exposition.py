"""The `/metrics` payload: every series labelled with the configuration that produced it.

Prometheus then keeps configurations apart whoever scrapes (`lab up`, docker-compose, a user's own
Prometheus), and a swap of configuration on the same port starts new series instead of mixing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample


class _Labelled(Collector):
    def __init__(self, source: Iterable[Collector], labels: dict[str, str]) -> None:
        self.source = list(source)
        self.labels = labels

    def collect(self) -> Iterator[Metric]:
        for collector in self.source:
            for family in collector.collect():
                family.samples = [
                    Sample(s.name, {**self.labels, **s.labels}, s.value, s.timestamp, s.exemplar)
                    for s in family.samples
                ]
                yield family


def render(config: str, multiprocess_dir: str | None) -> bytes:
    """Text exposition of this process (or, in multiprocess mode, of every worker's files)."""
    if multiprocess_dir:
        inner = CollectorRegistry()
        MultiProcessCollector(inner, path=multiprocess_dir)
    else:
        inner = REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Labelled([inner], {"config": config}))
    return generate_latest(registry)
