"""One headless Locust run of one scenario, bounded in time, and what it measured."""

from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from prometheus_client.parser import text_string_to_metric_families

from lab.runtime.generator import Generator, TreeCpu, lost_reason, workers_missing
from lab.runtime.procs import Child
from lab.shared import metric_names
from lab.shared.scenarios import EXPORTER_PLUGIN, Scenario
from lab.shared.timeline import HistoryPoint

ABANDONED = metric_names.total(metric_names.LOCUST_ABANDONED)


class LoadError(RuntimeError):
    """Locust could not run or wrote no statistics; the message carries its last lines of output."""


class NoAnswerError(LoadError):
    """Locust ran, but no request was answered within the run."""


class WorkersMissingError(LoadError):
    """Locust's master gave up waiting for the workers started elsewhere."""


@dataclass(frozen=True)
class NameStats:
    """One row of Locust's statistics: a request name (its `name=`, else the URL) and method."""

    name: str
    method: str
    requests: int
    failures: int
    mean_ms: float | None
    abandoned: int = 0  # in flight when Locust stopped its users (the exporter's count for this name)


@dataclass
class LoadResult:
    requests: int
    failures: int
    duration_s: float
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    generator_cpu: float  # cores used by Locust on average over the run, all its local processes
    generator_saturated: bool  # a Locust process passed 90% of a core
    window: tuple[float, float]  # unix times the test started and stopped (users sending)
    abandoned: int = 0  # in flight when Locust stopped its users: never in `requests`, maybe served
    history: list[HistoryPoint] = field(default_factory=list)  # per second, for the cell's request name
    mean_ms: float | None = None  # mean response time of the requests counted in `requests`
    names: list[NameStats] = field(default_factory=list)  # every request name of the run, for any scenario
    generator_processes: int = 1  # Locust processes that sent the load (workers, when there is a master)
    generator_busiest_cpu: float = 0.0  # cores used by the busiest local Locust process


def percentile(response_times: dict[str, int], fraction: float) -> float | None:
    """As Locust computes it: the smallest rounded response time covering `fraction` of the requests.

    A copy of locust.stats.calculate_response_time_percentile's rule, not a call to it: importing locust
    runs gevent's monkey.patch_all() in the importing process, and this one is the orchestrator."""
    total = sum(response_times.values())
    if not total:
        return None
    covered = 0
    for value in sorted(response_times, key=float):
        covered += response_times[value]
        if covered >= fraction * total:
            return float(value)
    return float(max(response_times, key=float))


def _num(row: dict[str, str], key: str) -> float | None:
    value = row.get(key, "N/A")
    return None if value in ("N/A", "") else float(value)


def _history(path: Path, name: str) -> list[HistoryPoint]:
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


def command(
    scenario: Scenario,
    url: str,
    users: int,
    seconds: float,
    out: Path,
    params: dict[str, str],
    tags: dict[str, str],
    generator: Generator | None = None,
) -> list[str]:
    # The exporter comes as a second locustfile, so that any user's file is measured without importing it;
    # it comes last, so that Locust names the run after the scenario's file.
    args = [
        sys.executable, "-m", "locust", "-f", f"{scenario.path},{EXPORTER_PLUGIN}", scenario.user_class,
        "--headless", "--host", url, "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{max(1, round(seconds))}s", "--stop-timeout", "0",
        "--json-file", str(out), "--csv", str(out), "--csv-full-history",
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        "--metrics-port", "0", "--metrics-snapshot", f"{out}.prom",
        "--lab-config", tags.get("config", ""), "--run-id", tags.get("run_id", ""),
        *(generator or Generator()).arguments(),
    ]  # fmt: skip
    for option, value in [*scenario.options, *params.items()]:
        args += [option, value]
    return args


def run(
    scenario: Scenario,
    url: str,
    *,
    users: int,
    seconds: float,
    out: Path,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    cpus: list[int] | None = None,
    generator: Generator | None = None,
) -> LoadResult:
    """Run Locust headless against `url` for `seconds`; files are written next to `out` (a path prefix)."""
    generator = generator or Generator()
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.with_suffix(".log")

    log.unlink(missing_ok=True)
    locust = Child(log)
    locust.what = "Locust"
    started = time.monotonic()
    locust.spawn(command(scenario, url, users, seconds, out, params or {}, tags or {}, generator), cpus=cpus)
    assert locust.process is not None
    cpu = TreeCpu(psutil.Process(locust.process.pid))
    try:
        limit = seconds + 60 + generator.start_up_s()  # run time, stop timeout and a generous start-up
        while locust.alive():
            cpu.sample()
            if time.monotonic() > started + limit:
                raise LoadError(f"Locust did not stop within {limit:.0f} s")
            time.sleep(0.2)
        returncode = locust.process.returncode
    finally:
        locust.stop()  # a no-op once Locust has exited; otherwise its whole tree goes
    json_path = Path(f"{out}.json") if out.suffix != ".json" else out
    try:
        entries = json.loads(json_path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        text = log.read_text(errors="replace")
        if missing := workers_missing(text, generator):
            raise WorkersMissingError(missing) from None
        tail = "\n    ".join(text.strip().splitlines()[-10:])
        raise LoadError(
            f"Locust exited with code {returncode} and wrote no statistics:\n    {tail}"
        ) from None
    entry = next((e for e in entries if e["name"] == scenario.handler), None) if scenario.handler else None
    if entry is None and entries:
        entry = _aggregate(entries)
    if entry is None or not entry.get("num_requests"):
        raise NoAnswerError(
            f"no request was answered within the {seconds:.0f} s run (is the server answering, or does one "
            "response take longer than the run?)"
        )
    # Locust's own start_time is that of the first *answered* request; the test's start and stop times
    # (from the lab's exporter) bound the window in which users were sending, as Little's law needs.
    snapshot = _snapshot(Path(f"{out}.prom"))
    window = _test_window(snapshot)
    if window is None:
        raise LoadError(f"Locust wrote no metrics snapshot (is {EXPORTER_PLUGIN} loaded?)")
    if lost := lost_reason(_lost_workers(snapshot), window):
        raise LoadError(lost)
    duration = max(1e-9, window[1] - window[0])
    times = {str(k): int(v) for k, v in entry["response_times"].items()}
    shares = cpu.shares(*window)
    busiest = max(shares.values(), default=0.0)
    return LoadResult(
        requests=int(entry["num_requests"]),
        failures=int(entry["num_failures"]),
        duration_s=duration,
        rps=entry["num_requests"] / duration,
        p50_ms=percentile(times, 0.50),
        p95_ms=percentile(times, 0.95),
        p99_ms=percentile(times, 0.99),
        generator_cpu=sum(shares.values()),
        # From outside for the local processes; the exporter's own flag covers workers elsewhere.
        generator_saturated=busiest >= 0.9 or _value(snapshot, metric_names.LOCUST_CPU_SATURATED) == 1,
        window=window,
        abandoned=_abandoned(snapshot, scenario.handler),
        history=_history(Path(f"{out}_stats_history.csv"), scenario.handler or "Aggregated"),
        mean_ms=_mean_ms(entry),
        names=per_name(entries, snapshot),
        generator_processes=generator.sending,
        generator_busiest_cpu=busiest,
    )


Samples = list[tuple[str, dict[str, str], float]]


def _snapshot(path: Path) -> Samples:
    """Every sample of the exporter's final snapshot (empty if Locust wrote none)."""
    if not path.exists():
        return []
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(path.read_text())
        for sample in family.samples
    ]


def _test_window(samples: Samples) -> tuple[float, float] | None:
    """(start, stop) unix times of the test, from the exporter's final snapshot."""
    found = {name: value for name, _, value in samples}
    start, stop = found.get(metric_names.LOCUST_TEST_START), found.get(metric_names.LOCUST_TEST_STOP)
    return (start, stop) if start and stop and stop > start else None


def _value(samples: Samples, metric: str) -> float | None:
    return next((value for name, _, value in samples if name == metric), None)


def _lost_workers(samples: Samples) -> dict[str, float]:
    return {
        labels["worker"]: value for name, labels, value in samples if name == metric_names.LOCUST_WORKER_LOST
    }


def _abandoned(samples: Samples, handler: str | None) -> int:
    """Requests of `handler` (all, for None) in flight when Locust stopped, as its exporter counted them."""
    return int(
        sum(
            value
            for name, labels, value in samples
            if name == ABANDONED and handler in (None, labels.get("name"))
        )
    )


def _mean_ms(entry: dict[str, Any]) -> float | None:
    count = entry.get("num_requests") or 0
    return round(float(entry.get("total_response_time") or 0.0) / count, 3) if count else None


def per_name(entries: list[dict[str, Any]], samples: Samples) -> list[NameStats]:
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
            mean_ms=_mean_ms(e),
            abandoned=abandoned.pop((e["name"], e["method"] or ""), 0),
        )
        for e in entries
    ]
    rows += [NameStats(name, method, 0, 0, None, count) for (name, method), count in abandoned.items()]
    return rows


def _aggregate(entries: list[dict[str, Any]]) -> dict[str, Any]:
    times: dict[str, int] = {}
    for entry in entries:
        for key, count in entry["response_times"].items():
            times[str(key)] = times.get(str(key), 0) + int(count)
    return {
        "num_requests": sum(e["num_requests"] for e in entries),
        "num_failures": sum(e["num_failures"] for e in entries),
        "total_response_time": sum(e.get("total_response_time") or 0.0 for e in entries),
        "start_time": min(e["start_time"] for e in entries),
        "last_request_timestamp": max(e["last_request_timestamp"] or 0 for e in entries),
        "response_times": times,
    }
