"""Dead workers' counters and histograms folded into archive files: sums stay exact, files stay bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lab.runtime.launcher import Server
from lab.server.exposition import archive_dead_process, render
from lab.shared.configs import ServerConfig
from tests.conftest import free_port
from tests.metrics_support import total

# One process's metrics: a labelled counter and a histogram, amounts exact in binary floating point.
WRITER = """
import sys
from prometheus_client import Counter, Histogram
n = int(sys.argv[1])
c = Counter("soak_things", "Things.", ["kind"])
c.labels(kind="a").inc(n)
c.labels(kind=f"only-{n}").inc(1)
h = Histogram("soak_seconds", "Seconds.", buckets=(0.25, 1.0))
for _ in range(n):
    h.observe(0.5)
print(__import__("os").getpid())
"""


def _write(directory: Path, amounts: list[int]) -> list[int]:
    """Run one real process per amount, each writing its files into `directory`; their pids."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(n)], env=env, stdout=subprocess.PIPE, text=True)
        for n in amounts
    ]
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * len(procs)
    return [int(out) for out in outputs]


def _exposed(directory: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = render("t", str(directory)).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _db_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.db"))


def test_archiving_keeps_every_sum_and_removes_the_dead_files(tmp_path: Path) -> None:
    pids = _write(tmp_path, [1, 2, 4])
    before = _exposed(tmp_path)
    assert before[("soak_things_total", (("config", "t"), ("kind", "a")))] == 7
    assert before[("soak_seconds_count", (("config", "t"),))] == 7
    assert len(_db_files(tmp_path)) == 6

    assert archive_dead_process(pids[0], str(tmp_path)) == 2
    assert archive_dead_process(pids[1], str(tmp_path)) == 2
    assert archive_dead_process(pids[1], str(tmp_path)) == 0  # already archived: nothing counted twice
    assert _exposed(tmp_path) == before
    assert _db_files(tmp_path) == sorted(
        ["counter_archive.db", "histogram_archive.db", f"counter_{pids[2]}.db", f"histogram_{pids[2]}.db"]
    )

    assert archive_dead_process(pids[2], str(tmp_path)) == 2
    assert _exposed(tmp_path) == before
    assert _db_files(tmp_path) == ["counter_archive.db", "histogram_archive.db"]


def test_a_scrape_during_archiving_sees_every_count_once(tmp_path: Path) -> None:
    pids = _write(tmp_path, [1] * 12)
    key = ("soak_things_total", (("config", "t"), ("kind", "a")))
    seen: list[float] = []
    done = threading.Event()

    def scrape() -> None:
        while not done.is_set():
            seen.append(_exposed(tmp_path)[key])

    reader = threading.Thread(target=scrape)
    reader.start()
    try:
        for pid in pids:
            archive_dead_process(pid, str(tmp_path))
            time.sleep(0.01)
    finally:
        done.set()
        reader.join()
    assert seen
    assert set(seen) == {12.0}
    assert _db_files(tmp_path) == ["counter_archive.db", "histogram_archive.db"]


def _kill_and_wait_replaced(server: Server) -> None:
    victim = int(sorted(server.live_worker_pids())[0])
    os.kill(victim, signal.SIGKILL)
    server.wait_until(
        lambda: (
            victim not in {int(p) for p in server.live_worker_pids()}
            and len(server.live_worker_pids()) == server.workers
        ),
        60,
        RuntimeError,
        server.url,
    )


@pytest.mark.slow
def test_gunicorn_archives_killed_workers(catalogue: dict[str, ServerConfig]) -> None:
    with Server(catalogue["gunicorn-multi"], port=free_port()) as server:
        assert server.metrics_dir is not None
        directory = Path(server.metrics_dir)
        answered = 0
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for _ in range(3):
                for _ in range(40):
                    assert client.get("/noop/async").status_code == 200
                    answered += 1
                _kill_and_wait_replaced(server)
                live = server.live_worker_pids()
                # Bounded: files of live workers and the archive only; a dead worker leaves none behind.
                owners = {p.name[:-3].rsplit("_", 1)[1] for p in directory.glob("*.db")}
                assert owners <= live | {"archive"}, owners
        assert (directory / "counter_archive.db").exists() and (directory / "histogram_archive.db").exists()
        assert total(server.url, "http_requests_total", handler="/noop/async") == answered
        assert total(server.url, "http_request_duration_seconds_count", handler="/noop/async") == answered
