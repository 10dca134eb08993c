"""The `/metrics` payload: every series labelled with the configuration that produced it.

Prometheus then keeps configurations apart whoever scrapes (`lab up`, docker-compose, a user's own
Prometheus), and a swap of configuration on the same port starts new series instead of mixing them.

In multiprocess mode a dead worker's counter and histogram files must stay (the sums include it), but one
pair of files per dead worker grows the directory, and every scrape's time, for as long as workers die
(bench/soak.py measured it). `archive_dead_process` folds them into one archive file per type; a lock that
each scrape shares keeps a scrape from seeing a worker's counts twice, or not at all, while that happens.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.mmap_dict import MmapedDict
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


# Types whose files hold per-process amounts that sum across processes (gauges are per pid, or live only).
SUMMED_TYPES = ("counter", "histogram", "summary")
ARCHIVE = "archive"  # `counter_archive.db`: the collector reads a file's type from its name, never its pid
_LOCK_FILE = ".lab-archive.lock"  # no `.db`: the collector's glob skips it


@contextlib.contextmanager
def _locked(directory: str, mode: int) -> Iterator[None]:
    with open(os.path.join(directory, _LOCK_FILE), "a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def archive_dead_process(pid: int, directory: str) -> int:
    """Add a dead process's counters and histograms to the archive files and remove its own; files removed.

    Call it once the process is gone (gunicorn's `child_exit`): it must not write its files any more.
    """
    removed = 0
    with _locked(directory, fcntl.LOCK_EX):
        for typ in SUMMED_TYPES:
            source = os.path.join(directory, f"{typ}_{pid}.db")
            if not os.path.exists(source):
                continue
            archive = MmapedDict(os.path.join(directory, f"{typ}_{ARCHIVE}.db"))
            try:
                for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(source):
                    archive.write_value(key, archive.read_value(key)[0] + value, timestamp)
            finally:
                archive.close()
            os.remove(source)
            removed += 1
    return removed


def render(config: str, multiprocess_dir: str | None) -> bytes:
    """Text exposition of this process (or, in multiprocess mode, of every worker's files)."""
    registry = CollectorRegistry(auto_describe=False)
    if not multiprocess_dir:
        registry.register(_Labelled([REGISTRY], {"config": config}))
        return generate_latest(registry)
    inner = CollectorRegistry()
    MultiProcessCollector(inner, path=multiprocess_dir)
    registry.register(_Labelled([inner], {"config": config}))
    with _locked(multiprocess_dir, fcntl.LOCK_SH):  # the files are read here, not at registration
        return generate_latest(registry)
