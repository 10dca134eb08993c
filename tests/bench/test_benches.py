"""Each bench, and `make soak`, run once at its smallest size through `make` (the entry points the README
names), so that none can rot unseen again (issue 26 §6: `make bench` failed on the wrapped app).

`make -o STAMP`: the virtual environment is taken as it is (this interpreter's), never reinstalled here.
The ratios are not judged (one second on a shared machine says little); that each is printed is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.subprocess_support import Done, finished, side_by_side

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)

pytestmark = pytest.mark.slow


def make(target: str, *variables: str) -> subprocess.Popen[str]:
    """`make TARGET VAR=...` started in the repository with this venv."""
    command = ["make", "-o", f"{VENV}/.installed", target, f"VENV={VENV}", *variables]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def output(done: Done) -> str:
    """What `done` printed, if it exited 0."""
    said = f"{' '.join(done.args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, said
    return done.stdout


@pytest.fixture(scope="module")
def soak_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("soak")


@pytest.fixture(scope="module")
def runs(soak_dir: Path) -> dict[str, Done]:
    """`make bench` and `make soak` side by side, then `make bench-generator` alone, all ended before the
    first test reads its own (the load lock is the first test's while they run). Nothing here is judged by
    speed, so sharing the cores only makes each slower; but the generator bench's 1 s runs beside two
    others answered no request in a busy spell (its runs are whole seconds: 2 s would cost more than it
    saves), so it runs after them."""
    started = {
        "bench": make("bench", "ARGS=--rounds 1 --seconds 1 --warmup 1 --no-multiprocess"),
        "soak": make(
            "soak", "MINUTES=0.05", "KILL_EVERY=2s",
            f"ARGS=--sample-every 2s --warmup 1s --tail 4s --users 5 --out {soak_dir}",
        ),
        "gil": make("bench-gil", "ARGS=--threads 1,2 --seconds 0.3 --rounds 1"),
    }  # fmt: skip
    return side_by_side(started) | {
        "generator": finished(make("bench-generator", "ARGS=--rounds 1 --seconds 1 --users 8"))
    }


def test_make_bench_runs_one_round_and_prints_the_ratios(runs: dict[str, Done]) -> None:
    out = output(runs["bench"])
    for variant in ("lab", "stock", "defaults"):
        for kind in ("throughput", "cpu_per_request"):
            assert re.search(rf"^{variant}\s+/ off, {kind}\s+\d\.\d{{3}} \(rounds", out, re.M), out


def test_make_bench_generator_runs_one_round_and_prints_the_ratios(
    runs: dict[str, Done],
) -> None:
    out = output(runs["generator"])
    for variant in ("locust-1", "locust-2"):
        assert re.search(rf'"{variant}": \{{[^}}]*"ratio_to_wrk": \d+\.\d+', out, re.S), out


def test_make_soak_runs_a_fraction_of_a_minute_with_one_kill(runs: dict[str, Done], soak_dir: Path) -> None:
    out = output(runs["soak"])
    assert "1 workers killed in 0.05 min; start -> end (ratio)" in out, out
    assert re.search(r"^\s+worker_rss_total\s.*\(\s*\d+\.\d{3}\)", out, re.M), out
    assert (soak_dir / "samples.json").is_file()


def test_make_bench_gil_runs_one_round_and_prints_free_against_pinned(runs: dict[str, Done]) -> None:
    out = output(runs["gil"])
    assert "processes (one per core:" in out, out
    for threads in (1, 2):
        assert re.search(rf"^\s+{threads}\s+\d\.\d{{3}}\s+\d\.\d{{3}}\s+\d\.\d{{3}}$", out, re.M), out


@pytest.mark.parametrize("cores", [2, 16, 64])
def test_one_process_per_core_this_process_may_use(monkeypatch: pytest.MonkeyPatch, cores: int) -> None:
    from bench import gil_placement

    allowed = set(range(cores, 2 * cores))  # not from 0: a pinned run (taskset) keeps its own cores
    monkeypatch.setattr(gil_placement.os, "sched_getaffinity", lambda pid: allowed)
    assert gil_placement.cores_of_this_process() == sorted(allowed)
