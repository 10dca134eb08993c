"""What Locust wrote of a run, read into typed values: its `--json-file` rows, its stats history
(`--csv-full-history`), the lab exporter's final snapshot (`--metrics-snapshot`) and the failures table
lab.loadgen.failures writes at its exit (`PREFIX_failures.json`)."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from prometheus_client.parser import text_string_to_metric_families

from lab.shared import metric_names
from lab.shared.timeline import HistoryPoint

ABANDONED = metric_names.total(metric_names.LOCUST_ABANDONED)


class StatsEntry(TypedDict, total=False):
    """One row of Locust's --json-file: a request name and method, with its counts (Locust's keys)."""

    name: str
    method: str | None
    num_requests: int
    num_failures: int
    total_response_time: float
    max_response_time: float
    start_time: float
    last_request_timestamp: float | None
    response_times: dict[str, int]  # rounded response time (ms) -> requests


@dataclass(frozen=True)
class NameStats:
    """One row of Locust's statistics: a request name (its `name=`, else the URL) and method."""

    name: str
    method: str
    requests: int
    failures: int
    mean_ms: float | None
    abandoned: int = 0  # in flight when Locust stopped its users (the exporter's count for this name)


def _num(row: dict[str, str], key: str) -> float | None:
    value = row.get(key, "N/A")
    return None if value in ("N/A", "") else float(value)


def history(path: Path, name: str) -> list[HistoryPoint]:
    if not path.exists():
        return []
    rows = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("Name") != name:
                continue

            rows.append(
                HistoryPoint(
                    t=int(row["Timestamp"]),
                    users=int(row["User Count"]),
                    rps=_num(row, "Requests/s"),
                    p50_ms=_num(row, "50%"),
                    p95_ms=_num(row, "95%"),
                )
            )
    return rows


Samples = list[tuple[str, dict[str, str], float]]


def snapshot_of(path: Path) -> Samples:
    """Every sample of the exporter's final snapshot (empty if Locust wrote none) but histogram buckets:
    nothing here reads them (a histogram's _sum and _count stay), and a run of a hundred request names
    writes ten thousand of them, a fifth of a second to parse."""
    if not path.exists():
        return []
    lines = (line for line in path.read_text().splitlines(keepends=True) if not _BUCKET.match(line))
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families("".join(lines))
        for sample in family.samples
    ]


_BUCKET = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*_bucket[{ ]")


def window_of(samples: Samples) -> tuple[float, float] | None:
    """(start, stop) unix times of the test, from the exporter's final snapshot."""
    found = {name: value for name, _, value in samples}
    start, stop = found.get(metric_names.LOCUST_TEST_START), found.get(metric_names.LOCUST_TEST_STOP)
    return (start, stop) if start and stop and stop > start else None


def value_of(samples: Samples, metric: str) -> float | None:
    return next((value for name, _, value in samples if name == metric), None)


def lost_workers(samples: Samples) -> dict[str, float]:
    return {
        labels["worker"]: value for name, labels, value in samples if name == metric_names.LOCUST_WORKER_LOST
    }


def abandoned(samples: Samples, handler: str | None) -> int:
    """Requests of `handler` (all, for None) in flight when Locust stopped, as its exporter counted them."""
    return int(
        sum(
            value
            for name, labels, value in samples
            if name == ABANDONED and handler in (None, labels.get("name"))
        )
    )


def mean_ms(entry: StatsEntry) -> float | None:
    count = entry.get("num_requests") or 0
    return round(float(entry.get("total_response_time") or 0.0) / count, 3) if count else None


def per_name(entries: list[StatsEntry], samples: Samples) -> list[NameStats]:
    """Locust's rows (its --json-file) with what its exporter counted abandoned per (name, method); a name
    abandoned before it was ever answered has a row of its own with no request."""
    abandoned: dict[tuple[str, str], int] = {}
    for name, labels, value in samples:
        if name == ABANDONED and value:
            key = (labels.get("name", ""), labels.get("method", ""))
            abandoned[key] = abandoned.get(key, 0) + int(value)
    rows = [
        NameStats(
            name=e["name"],
            method=e["method"] or "",
            requests=int(e["num_requests"]),
            failures=int(e["num_failures"]),
            mean_ms=mean_ms(e),
            abandoned=abandoned.pop((e["name"], e["method"] or ""), 0),
        )
        for e in entries
    ]
    rows += [NameStats(name, method, 0, 0, None, count) for (name, method), count in abandoned.items()]
    return rows


# Locust's failure texts: requests' "HTTPError('404 Client Error: Not Found for url: ...')", FastHttpUser's
# "BadStatusCode('http://...', code=404)", or an exception with no status ("ConnectionRefusedError(...)").
_STATUS = (re.compile(r"\b([1-5]\d\d) (?:Client|Server) Error"), re.compile(r"\bcode=([1-5]\d\d)\b"))
_EXCEPTION = re.compile(r"^\s*(?:[\w.]+\.)?(\w+)\(")


_CAUGHT = "CatchResponseError("  # a locustfile's own `response.failure("...")`, as Locust writes it


def failure_code(error: str) -> str:
    """What a failure's text says went wrong: its HTTP status ("404"), else the exception's name, else the
    text itself (a locustfile's own `response.failure("...")`)."""
    if error.startswith(_CAUGHT) and error.endswith(")"):
        error = error[len(_CAUGHT) : -1].strip("'\"")
    for pattern in _STATUS:
        if found := pattern.search(error):
            return found.group(1)
    found = _EXCEPTION.match(error)
    return found.group(1) if found else error.strip()[:80]


def failure_codes(path: Path, handler: str | None) -> dict[str, int]:
    """Failures by status code (or error) from the rows lab.loadgen.failures wrote at Locust's exit
    (`PREFIX_failures.json`), for the request name `handler` (all names for None), most frequent first."""
    if not path.exists():
        return {}
    codes: dict[str, int] = {}
    for row in json.loads(path.read_text()):
        if handler is not None and row.get("name") != handler:
            continue
        code = failure_code(str(row.get("error", "")))
        codes[code] = codes.get(code, 0) + int(row.get("occurrences") or 0)
    return dict(sorted(codes.items(), key=lambda item: -item[1]))


def aggregate(entries: list[StatsEntry]) -> StatsEntry:
    times: dict[str, int] = {}
    for entry in entries:
        for key, count in entry["response_times"].items():
            times[str(key)] = times.get(str(key), 0) + int(count)
    return StatsEntry(
        num_requests=sum(e["num_requests"] for e in entries),
        num_failures=sum(e["num_failures"] for e in entries),
        total_response_time=sum(e.get("total_response_time") or 0.0 for e in entries),
        max_response_time=max((e.get("max_response_time") or 0.0 for e in entries), default=0.0),
        start_time=min(e["start_time"] for e in entries),
        last_request_timestamp=max(e["last_request_timestamp"] or 0 for e in entries),
        response_times=times,
    )
