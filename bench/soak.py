"""Soak: gunicorn-multi under moderate load for 30 minutes, a worker SIGKILLed every few minutes.

Every `--sample-every` it records the RSS of every process (gunicorn master, each worker, each process-pool
child, Locust), the Prometheus multiprocess directory's file count and size, and the time to GET /metrics
(median of a few). Samples go to results/soak-<timestamp>/samples.json and samples.csv; the summary
compares start and end, and says whether each figure still grows in the second half of the run.
Run it with `make soak` or `python bench/soak.py --minutes 3 --kill-every 1m`; the suite runs 3 s of it
with one kill (tests/bench).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime
import json
import os
import platform
import signal
import socket
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import psutil
from locust.util.timespan import parse_timespan
from prometheus_client.parser import text_string_to_metric_families

from lab.runtime.launcher import Server
from lab.runtime.procs import Child
from lab.server.exposition import render
from lab.shared import metric_names
from lab.shared.configs import get, load_catalogue

REQUESTS = metric_names.total(metric_names.HTTP_REQUESTS)

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "soak_locustfile.py"
# Endpoints only Locust calls (the fan-out's upstream calls also land on /io/async): the server's count of
# these must match Locust's answered requests, dead workers included.
CHECKED_HANDLERS = ("/io/sync", "/cpu/sync", "/cpu/process", "/background", "/fanout/async")


@dataclasses.dataclass(frozen=True)
class SoakConfig:
    minutes: float = 30.0
    kill_every_s: float = 180.0
    sample_every_s: float = 30.0
    warmup_s: float = 30.0
    users: int = 20  # one request a second each (bench/soak_locustfile.py)
    config: str = "gunicorn-multi"
    port: int = 0  # 0: a free one
    scrapes: int = 5  # GETs of /metrics per sample; the median is recorded
    out: Path | None = None
    # Locust's run time past the last sample: the margin for a slow start and the last samples' waits (a
    # killed worker's replacement); the soak waits it out. A short run can afford less (tests/bench).
    tail_s: float = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss(pid: int) -> int:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


def _children(worker: psutil.Process) -> list[psutil.Process]:
    """A worker's process pool; none when the worker is gone (killed between listing and looking)."""
    try:
        return worker.children(recursive=True)
    except psutil.Error:
        return []


def _dir_stats(directory: str) -> tuple[int, int, int]:
    """Files, total bytes, and files of processes that no longer exist (`*_<pid>.db`)."""
    files = size = dead = 0
    for entry in os.scandir(directory):
        if entry.name.endswith(".db"):
            with contextlib.suppress(FileNotFoundError):  # archived by gunicorn since the listing
                size += entry.stat().st_size
                files += 1
            pid = entry.name[:-3].rsplit("_", 1)[-1]
            dead += pid.isdigit() and not psutil.pid_exists(int(pid))
    return files, size, dead


def _scrape(url: str, times: int) -> tuple[float, int, int, dict[str, float]]:
    """Median seconds of `times` GETs of /metrics, its bytes, its samples, requests counted per handler."""
    durations = []
    text = ""
    for _ in range(times):
        started = time.perf_counter()
        response = httpx.get(f"{url}/metrics", timeout=30)
        durations.append(time.perf_counter() - started)
        response.raise_for_status()
        text = response.text
    counted: dict[str, float] = {}
    samples = 0
    for family in text_string_to_metric_families(text):
        samples += len(family.samples)
        for s in family.samples:
            if s.name == REQUESTS:
                counted[s.labels["handler"]] = counted.get(s.labels["handler"], 0.0) + s.value
    return statistics.median(durations), len(text.encode()), samples, counted


def _timed_render(directory: str) -> float:
    """Seconds to build the /metrics payload from the directory here, away from the busy workers' GIL."""
    started = time.perf_counter()
    render("soak", directory)
    return time.perf_counter() - started


def sample(server: Server, locust: Child, t: float, kills: int, scrapes: int) -> dict[str, Any]:
    assert server.process is not None and server.metrics_dir is not None
    master = psutil.Process(server.process.pid)
    workers = master.children()
    pools = [child for w in workers for child in _children(w)]
    worker_rss = [_rss(w.pid) for w in workers]
    pool_rss = [_rss(p.pid) for p in pools]
    files, size, dead_files = _dir_stats(server.metrics_dir)
    scrape_s, scrape_bytes, series, counted = _scrape(server.url, scrapes)
    collect_s = statistics.median(_timed_render(server.metrics_dir) for _ in range(scrapes))
    return {
        "t_s": round(t, 1),
        "kills": kills,
        "master_rss": _rss(master.pid),
        "workers": len(workers),
        "worker_rss_total": sum(worker_rss),
        "worker_rss_max": max(worker_rss, default=0),
        "pool_procs": len(pools),
        "pool_rss_total": sum(pool_rss),
        "pool_rss_max": max(pool_rss, default=0),
        "locust_rss": sum(_rss(pid) for pid in locust.tree()),
        "mp_files": files,
        "mp_dead_files": dead_files,
        "mp_bytes": size,
        "scrape_ms": scrape_s * 1000,
        "collect_ms": collect_s * 1000,
        "scrape_bytes": scrape_bytes,
        "scrape_samples": series,
        "pids": {"master": master.pid, "workers": [w.pid for w in workers], "pools": [p.pid for p in pools]},
        "server_counted": counted,
    }


FIGURES = (
    "master_rss", "worker_rss_total", "worker_rss_max", "pool_rss_total", "pool_rss_max", "locust_rss",
    "mp_files", "mp_dead_files", "mp_bytes", "scrape_ms", "collect_ms", "scrape_bytes", "scrape_samples",
)  # fmt: skip


def _slope_per_10min(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    ts = [t for t, _ in points]
    vs = [v for _, v in points]
    return statistics.linear_regression(ts, vs).slope * 600 if len(set(ts)) > 1 else 0.0


def growth(samples: list[dict[str, Any]], figure: str) -> dict[str, Any]:
    """Start, end, their ratio, the slope per 10 minutes in each half of the run, and a verdict."""
    points = [(float(s["t_s"]), float(s[figure])) for s in samples]
    start, end = points[0][1], points[-1][1]
    half = points[-1][0] / 2
    first = _slope_per_10min([p for p in points if p[0] <= half])
    second = _slope_per_10min([p for p in points if p[0] >= half])
    scale = max(abs(start), abs(end), 1e-9)
    # "Flat": the second half moves less than 1% of the figure per 10 minutes (noise, a GC, a new worker).
    if abs(second) <= 0.01 * scale:
        verdict = "flat"
    elif second < 0:
        verdict = "falls"
    elif second <= 0.5 * first:
        verdict = "levels off"
    else:
        verdict = "keeps growing"
    ratio = end / start if start else float("inf") if end else 1.0
    return {"start": start, "end": end, "ratio": ratio, "slope_first": first, "slope_second": second,
            "verdict": verdict}  # fmt: skip


def locust_command(config: SoakConfig, url: str, out: Path) -> list[str]:
    # Ends just after the last sample, so that the final count of requests sees no request in flight.
    run_time = round(config.warmup_s + config.minutes * 60 + config.tail_s)
    return [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "SoakUser", "--headless", "--host", url,
        "--users", str(config.users), "--spawn-rate", str(config.users), "--run-time", f"{run_time}s",
        "--stop-timeout", "0", "--json-file", str(out / "locust"), "--only-summary",
        "--loglevel", "WARNING", "--exit-code-on-error", "0", "--metrics-port", "0",
        "--lab-config", config.config, "--run-id", out.name,
    ]  # fmt: skip


def _line(s: dict[str, Any]) -> str:
    mib = 2**20
    return (
        f"{s['t_s'] / 60:5.1f} min  kills {s['kills']:>2}  workers {s['workers']}  rss MiB: master "
        f"{s['master_rss'] / mib:.0f} workers {s['worker_rss_total'] / mib:.0f} "
        f"pools {s['pool_rss_total'] / mib:.0f} "
        f"locust {s['locust_rss'] / mib:.0f}  files {s['mp_files']} ({s['mp_dead_files']} dead, "
        f"{s['mp_bytes'] / mib:.1f} MiB)  /metrics {s['scrape_ms']:.1f} ms, {s['scrape_samples']} samples"
    )


def _kill_a_worker(server: Server) -> int | None:
    """SIGKILL the oldest worker (never the master); gunicorn starts a new one."""
    assert server.process is not None
    workers = sorted(psutil.Process(server.process.pid).children(), key=lambda p: p.create_time())
    if not workers:
        return None
    os.kill(workers[0].pid, signal.SIGKILL)
    return workers[0].pid


def run(config: SoakConfig) -> dict[str, Any]:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = config.out or ROOT / "results" / f"soak-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    server_cfg = get(load_catalogue(), config.config)
    samples: list[dict[str, Any]] = []
    killed: list[dict[str, Any]] = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Server(server_cfg, port=config.port or _free_port(), log=out / "server.log") as server:
        print(f"{config.config}: {server.workers} workers on {server.url}; results in {out}", flush=True)
        locust = Child(out / "locust.log")
        locust.what = "Locust"
        try:
            locust.spawn(locust_command(config, server.url, out), env=env)
            time.sleep(config.warmup_s)
            began = time.monotonic()
            next_kill = config.kill_every_s
            end = config.minutes * 60
            t = scheduled = 0.0
            while True:
                if not locust.alive():
                    raise RuntimeError(f"Locust stopped before the end of the soak{locust.log_tail()}")
                samples.append(sample(server, locust, t, len(killed), config.scrapes))
                print(_line(samples[-1]), flush=True)
                if scheduled >= end:
                    break
                scheduled = min(end, scheduled + config.sample_every_s)
                while next_kill <= scheduled and next_kill < end:  # kills on their own schedule
                    time.sleep(max(0.0, next_kill - (time.monotonic() - began)))
                    killed.append({"t_s": round(time.monotonic() - began, 1), "pid": _kill_a_worker(server)})
                    next_kill += config.kill_every_s
                time.sleep(max(0.0, scheduled - (time.monotonic() - began)))
                # A worker killed a moment ago: let gunicorn replace it before the processes are counted.
                server.wait_until(lambda: len(server.live_worker_pids()) >= server.workers, 60,
                                  RuntimeError, server.url)  # fmt: skip
                t = time.monotonic() - began
            deadline = time.monotonic() + 120
            while locust.alive() and time.monotonic() < deadline:
                time.sleep(0.5)
            counted = _scrape(server.url, 1)[3]
        finally:
            locust.stop()
    return summarise(config, out, samples, killed, counted)


def summarise(
    config: SoakConfig,
    out: Path,
    samples: list[dict[str, Any]],
    killed: list[dict[str, Any]],
    counted: dict[str, float],
) -> dict[str, Any]:
    answered: dict[str, int] = {}
    with_errors = 0
    locust_json = out / "locust.json"
    if locust_json.exists():
        for entry in json.loads(locust_json.read_text()):
            answered[entry["name"]] = entry["num_requests"] - entry["num_failures"]
            with_errors += entry["num_failures"]
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load": os.getloadavg()},
        "config": {**dataclasses.asdict(config), "out": str(out)},
        "kills": killed,
        "growth": {f: growth(samples, f) for f in FIGURES} if samples else {},
        "requests": {"locust_failures": with_errors, "answered": answered, "server_counted": counted},
        "samples": samples,
    }
    (out / "samples.json").write_text(json.dumps(result, indent=2) + "\n")
    with (out / "samples.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["t_s", "kills", "workers", "pool_procs", *FIGURES])
        writer.writeheader()
        for s in samples:
            writer.writerow({k: s[k] for k in writer.fieldnames})
    print(
        f"\n{len(killed)} workers killed in {config.minutes:g} min; start -> end (ratio), slope per 10 min:"
    )
    for figure, g in result["growth"].items():
        print(
            f"  {figure:<17} {g['start']:>14,.1f} -> {g['end']:>14,.1f} ({g['ratio']:6.3f})  "
            f"first {g['slope_first']:>+12,.1f}  second {g['slope_second']:>+12,.1f}  {g['verdict']}"
        )
    print(f"after the load, requests counted by the server (all workers, dead ones included) / answered "
          f"to Locust ({with_errors} failed):")  # fmt: skip
    for handler in CHECKED_HANDLERS:
        print(f"  {handler:<14} {counted.get(handler, 0):>8.0f} / {answered.get(handler, 0):>8}")
    print(f"wrote {out / 'samples.json'} and samples.csv")
    return result


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds the context managers, which stop the server and Locust


def main(argv: Sequence[str] | None = None) -> int:
    d = SoakConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=d.minutes, help="length of the soak (sampled part)")
    parser.add_argument("--kill-every", default="3m", help="SIGKILL a worker this often (e.g. 3m, 90s)")
    parser.add_argument("--sample-every", default="30s", help="how often to sample (e.g. 30s)")
    parser.add_argument("--warmup", default="30s", help="load before the first sample")
    parser.add_argument("--users", type=int, default=d.users, help="Locust users, one request a second each")
    parser.add_argument("--config", default=d.config, help="server configuration (lab configs)")
    parser.add_argument("--port", type=int, default=d.port, help="server port (default: a free one)")
    parser.add_argument("--out", type=Path, default=None, help="directory (default results/soak-<time>)")
    parser.add_argument("--tail", default="10s", help="Locust's run time past the last sample (e.g. 4s)")
    args = parser.parse_args(argv)
    config = SoakConfig(
        minutes=args.minutes,
        kill_every_s=parse_timespan(args.kill_every),
        sample_every_s=parse_timespan(args.sample_every),
        warmup_s=parse_timespan(args.warmup),
        users=args.users,
        config=args.config,
        port=args.port,
        out=args.out,
        tail_s=parse_timespan(args.tail),
    )
    signal.signal(signal.SIGTERM, _terminate)
    try:
        run(config)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
