"""What the HTTP instrumentation costs on a zero-work endpoint: interleaved A/B rounds, ratios reported.

Every variant is a real uvicorn server pinned to one CPU; `wrk` (one thread) drives them from another CPU,
one variant at a time, in rounds whose order rotates (off, lab, stock, ... then lab, stock, ..., off), so a
noisy neighbour hits every variant alike. Only ratios to `off` within a round are reported, as medians
over the rounds with their spread: on a shared machine absolute req/s drift, ratios hold. Two ratios:
req/s, and the server's CPU time per request (what a core of its own would give), which a neighbour that
takes CPU away from the server does not move. Run it with `make bench` or `python bench/instrumentation.py`.

Both modes the lab runs in are measured: a single process without PROMETHEUS_MULTIPROC_DIR, and with it
set to a fresh empty directory (what the launcher does), where every metric update writes to an mmap'd file.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

import psutil

from lab.shared import metric_names

if TYPE_CHECKING:
    from lab.server.wrap import LabApp

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = metric_names.total(metric_names.HTTP_REQUESTS)

Mode = Literal["single", "multiprocess"]
MODES: dict[Mode, str] = {
    "single": "one process, no PROMETHEUS_MULTIPROC_DIR",
    "multiprocess": "PROMETHEUS_MULTIPROC_DIR set to a fresh empty directory",
}


@dataclasses.dataclass(frozen=True)
class Variant:
    """One way of serving the app: a uvicorn factory, the `LAB_*` environment, what it should export."""

    factory: str
    env: dict[str, str]
    description: str
    # Checked through /metrics after warm-up, so a variant that silently records nothing is caught.
    exports_http_metrics: bool | None


BASELINE = "off"
VARIANTS: dict[str, Variant] = {
    BASELINE: Variant(
        "lab.server.app:create_app",
        {"LAB_INSTRUMENT": "false"},
        "no HTTP middleware (lab_* probes still run)",
        False,
    ),
    "lab": Variant(
        "lab.server.app:create_app", {"LAB_INSTRUMENT": "true"}, "lab.server.instrumentation (shipped)", True
    ),
    "stock": Variant(
        "bench.instrumentation:create_stock_app",
        {"LAB_INSTRUMENT": "false"},
        "the instrumentator's own middleware, same metrics as lab",
        True,
    ),
    # Its metrics live in a private registry (the lab's own names are taken), so /metrics cannot show them.
    "defaults": Variant(
        "bench.instrumentation:create_defaults_app",
        {"LAB_INSTRUMENT": "false"},
        "Instrumentator().instrument(app), its defaults",
        None,
    ),
}


@dataclasses.dataclass(frozen=True)
class BenchConfig:
    # Many short rounds, not a few long ones: a neighbour's burst spoils one round, not the median.
    rounds: int = 8
    seconds: int = 3
    warmup_seconds: int = 3
    endpoint: str = "/noop/async"
    connections: int = 50
    modes: tuple[Mode, ...] = ("single", "multiprocess")
    variants: tuple[str, ...] = ("lab", "stock", "defaults")
    json_path: Path | None = None


# --- comparison apps, built here so that production code carries no switch for them -------------------


def create_stock_app() -> LabApp:
    """The lab app measured through the instrumentator's unmodified middleware (the lab's first version).

    The middleware goes on the catalogue itself (a FastAPI app), which the lab's wrapper then serves
    with its own instrumentation off (LAB_INSTRUMENT=false): the wrapper has no add_middleware."""
    from prometheus_fastapi_instrumentator import Instrumentator
    from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
    from starlette.types import ASGIApp

    from lab.server import metrics
    from lab.server.app import create_catalogue
    from lab.server.settings import AppSettings
    from lab.server.wrap import wrap

    class StockMiddleware(PrometheusInstrumentatorMiddleware):
        def __init__(self, app: ASGIApp, /, **kwargs: Any) -> None:
            super().__init__(app, **kwargs)
            self.should_instrument_requests_inprogress = True
            self.inprogress_labels = True
            self.inprogress = metrics.HTTP_INPROGRESS

    settings = AppSettings()
    catalogue = create_catalogue(settings)
    instrumentator = Instrumentator(excluded_handlers=["^/metrics$"], should_group_status_codes=True)
    catalogue.add_middleware(
        StockMiddleware,
        excluded_handlers=instrumentator.excluded_handlers,
        instrumentations=[f for f in (metrics.HTTP_REQUESTS, metrics.HTTP_LATENCY) if f is not None],
    )
    return wrap(catalogue, settings)


def create_defaults_app() -> LabApp:
    """The lab app with `Instrumentator().instrument(app)`, as its README shows it, on the catalogue."""
    from prometheus_client import CollectorRegistry
    from prometheus_fastapi_instrumentator import Instrumentator

    from lab.server.app import create_catalogue
    from lab.server.settings import AppSettings
    from lab.server.wrap import wrap

    settings = AppSettings()
    catalogue = create_catalogue(settings)
    Instrumentator(registry=CollectorRegistry()).instrument(catalogue)
    return wrap(catalogue, settings)


# --- processes -----------------------------------------------------------------------------------------


def _pinned(cpu: int) -> Callable[[], None]:
    return lambda: os.sched_setaffinity(0, {cpu})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole process group (server and its process pool), SIGKILL what is left after 10 s."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
            return


@dataclasses.dataclass(frozen=True)
class Server:
    name: str
    port: int
    pid: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def serve(name: str, variant: Variant, cpu: int, workdir: Path, mode: Mode) -> Iterator[Server]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(variant.env, LAB_CONFIG=f"bench-{name}", LAB_PROCESS_POOL="1", PYTHONPATH=str(ROOT))
    if mode == "multiprocess":
        directory = workdir / f"prom-{name}"
        directory.mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    log = workdir / f"{name}.log"
    cmd = [sys.executable, "-m", "uvicorn", "--factory", variant.factory]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_pinned(cpu),
        )
    try:
        server = Server(name, port, proc.pid, log)
        _wait_ready(server, proc)
        yield server
    finally:
        _stop(proc)


def _wait_ready(server: Server, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server {server.name} exited:\n{server.log.read_text()[-2000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(server.url("/health"), timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(
        f"server {server.name} not ready after {timeout_s:.0f} s:\n{server.log.read_text()[-2000:]}"
    )


def _check_exports(server: Server, variant: Variant, endpoint: str) -> None:
    if variant.exports_http_metrics is None:
        return
    with urllib.request.urlopen(server.url("/metrics"), timeout=10) as response:
        text = response.read().decode()
    found = re.search(rf'^{REQUESTS}\{{[^}}]*handler="{re.escape(endpoint)}"', text, re.M) is not None
    if found != variant.exports_http_metrics:
        raise RuntimeError(f"{server.name}: {REQUESTS} for {endpoint} exported={found}, expected otherwise")


# --- load ----------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """Path of `wrk`; installed with apt-get when missing and running as root, else a clear error."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk missing: apt-get install wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, timeout=600)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)")
    return found


def wrk(binary: str, url: str, seconds: int, connections: int, cpu: int) -> tuple[float, int]:
    """Requests/s and requests of one `wrk` run (one thread, pinned to `cpu`); any error fails the run."""
    cmd = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", url]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, timeout=seconds + 30, preexec_fn=_pinned(cpu)
    ).stdout
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    total = re.search(r"^\s*(\d+) requests in ", out, re.M)
    if "Non-2xx" in out or (errors and any(int(n) for n in errors.groups())) or not (rate and total):
        raise RuntimeError(f"wrk failed against {url}:\n{out}")
    return float(rate.group(1)), int(total.group(1))


# --- the run -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sample:
    rps: float
    cpu_us: float  # server CPU time (user+system, all threads) per request


def measure(binary: str, server: Server, config: BenchConfig, cpu: int, seconds: int) -> Sample:
    process = psutil.Process(server.pid)
    before = process.cpu_times()
    rps, requests = wrk(binary, server.url(config.endpoint), seconds, config.connections, cpu)
    after = process.cpu_times()
    used = (after.user + after.system) - (before.user + before.system)
    return Sample(rps, used / requests * 1e6)


@dataclasses.dataclass(frozen=True)
class Ratio:
    """A variant against `off`, per round: the median and the spread over the rounds."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, ratios: Sequence[float]) -> Ratio:
        return cls(statistics.median(ratios), min(ratios), max(ratios))

    @property
    def cost_pct(self) -> float:
        return (1 - self.median) * 100

    def __str__(self) -> str:
        return f"{self.median:.3f} (rounds {self.low:.3f}..{self.high:.3f}) -> cost {self.cost_pct:4.1f}%"


# Both read as "throughput with the variant / throughput without": req/s measured, and the CPU time per
# request turned into the req/s a core of its own would give. The second holds when neighbours steal CPU.
RATIOS: dict[str, Callable[[Sample, Sample], float]] = {
    "throughput": lambda variant, off: variant.rps / off.rps,
    "cpu_per_request": lambda variant, off: off.cpu_us / variant.cpu_us,
}


def run_mode(config: BenchConfig, mode: Mode, binary: str, cpus: tuple[int, int]) -> dict[str, Any]:
    server_cpu, load_cpu = cpus
    names = [BASELINE, *config.variants]
    print(f"\n== {mode}: {MODES[mode]}")
    print(f"server on CPU {server_cpu}, wrk on CPU {load_cpu}")
    print(f"{config.endpoint}, {config.connections} connections (wrk -t1), {config.rounds} rounds")
    print(f"of {config.seconds} s per variant, order rotating, after {config.warmup_seconds} s of warm-up")
    for name in names:
        print(f"  {name:<9} {VARIANTS[name].description}")
    rounds: list[dict[str, Sample]] = []
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as tmp, contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(serve(name, VARIANTS[name], server_cpu, Path(tmp), mode))
            for name in names
        }
        for name, server in servers.items():
            measure(binary, server, config, load_cpu, config.warmup_seconds)
            _check_exports(server, VARIANTS[name], config.endpoint)
        print("round" + "".join(f"{name:>18}" for name in names) + "   (req/s, server CPU us/request)")
        for index in range(config.rounds):
            order = names[index % len(names) :] + names[: index % len(names)]
            samples = {
                name: measure(binary, servers[name], config, load_cpu, config.seconds) for name in order
            }
            rounds.append(samples)
            cells = "".join(f"{samples[n].rps:>11.0f} {samples[n].cpu_us:>6.1f}" for n in names)
            print(f"{index + 1:>5}{cells}", flush=True)
    summary = {
        name: {
            kind: Ratio.of([ratio(r[name], r[BASELINE]) for r in rounds]) for kind, ratio in RATIOS.items()
        }
        for name in config.variants
    }
    for name, ratios in summary.items():
        for kind, ratio in ratios.items():
            print(f"{name:<9} / {BASELINE}, {kind:<16} {ratio}")
    return {
        "rounds": [{name: dataclasses.asdict(sample) for name, sample in r.items()} for r in rounds],
        "summary": {
            name: {kind: {**dataclasses.asdict(r), "cost_pct": r.cost_pct} for kind, r in ratios.items()}
            for name, ratios in summary.items()
        },
    }


def run(config: BenchConfig) -> dict[str, Any]:
    unknown = set(config.variants) - set(VARIANTS) | ({BASELINE} & set(config.variants))
    if unknown:
        raise SystemExit(f"unknown or baseline variants: {sorted(unknown)}; choose from {sorted(VARIANTS)}")
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("the bench needs two CPUs: one for the server, one for wrk")
    binary = ensure_wrk()
    result: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": {
            **dataclasses.asdict(config),
            "json_path": None,
            "server_cpu": cpus[0],
            "wrk_cpu": cpus[1],
        },
        "modes": {mode: run_mode(config, mode, binary, (cpus[0], cpus[1])) for mode in config.modes},
    }
    if config.json_path:
        config.json_path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {config.json_path}")
    return result


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds the context managers, which stop every server


def main(argv: Sequence[str] | None = None) -> int:
    defaults = BenchConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="measured rounds per variant")
    parser.add_argument("--seconds", type=int, default=defaults.seconds, help="length of one wrk run")
    parser.add_argument(
        "--warmup", type=int, default=defaults.warmup_seconds, help="warm-up seconds per server"
    )
    parser.add_argument(
        "--endpoint", default=defaults.endpoint, help="path to load (zero work: /noop/async, /noop/sync)"
    )
    parser.add_argument("--connections", type=int, default=defaults.connections, help="wrk connections")
    parser.add_argument(
        "--multiprocess",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="only with (or, --no-multiprocess, only without) PROMETHEUS_MULTIPROC_DIR; default: both",
    )
    parser.add_argument(
        "--variants",
        default=",".join(defaults.variants),
        help=f"comma-separated, each compared with {BASELINE!r}: {', '.join(set(VARIANTS) - {BASELINE})}",
    )
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="write the results here")
    args = parser.parse_args(argv)
    modes: tuple[Mode, ...] = {None: defaults.modes, True: ("multiprocess",), False: ("single",)}[
        args.multiprocess
    ]
    config = BenchConfig(
        rounds=args.rounds,
        seconds=args.seconds,
        warmup_seconds=args.warmup,
        endpoint=args.endpoint,
        connections=args.connections,
        modes=modes,
        variants=tuple(v for v in args.variants.split(",") if v),
        json_path=args.json,
    )
    signal.signal(signal.SIGTERM, _terminate)
    try:
        run(config)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
