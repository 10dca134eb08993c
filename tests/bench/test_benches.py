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

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)

pytestmark = pytest.mark.slow


def make(target: str, *variables: str, timeout: float = 120) -> str:
    """`make TARGET VAR=...` in the repository with this venv; its output once it exited 0."""
    command = ["make", "-o", f"{VENV}/.installed", target, f"VENV={VENV}", *variables]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, f"{' '.join(command)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_make_bench_runs_one_round_and_prints_the_ratios() -> None:
    out = make("bench", "ARGS=--rounds 1 --seconds 1 --warmup 1 --no-multiprocess")
    # Every variant against `off`, both ratios: stock and defaults are the apps the wrapper once broke.
    for variant in ("lab", "stock", "defaults"):
        for kind in ("throughput", "cpu_per_request"):
            assert re.search(rf"^{variant}\s+/ off, {kind}\s+\d\.\d{{3}} \(rounds", out, re.M), out


def test_make_bench_generator_runs_one_round_and_prints_the_ratios() -> None:
    out = make("bench-generator", "ARGS=--rounds 1 --seconds 1 --users 8")  # --seconds: whole seconds
    for variant in ("locust-1", "locust-2"):
        assert re.search(rf'"{variant}": \{{[^}}]*"ratio_to_wrk": \d+\.\d+', out, re.S), out


def test_make_soak_runs_a_fraction_of_a_minute_with_one_kill(tmp_path: Path) -> None:
    # 3 s sampled at 0, 2 and 3 s, the kill at 2 s; Locust stops 4 s after the last sample, not the
    # default 10 s the soak would wait out (its start-up and the replacement of the killed worker fit in 4).
    out = make(
        "soak",
        "MINUTES=0.05",
        "KILL_EVERY=2s",
        f"ARGS=--sample-every 2s --warmup 1s --tail 4s --users 5 --out {tmp_path}",
    )
    assert "1 workers killed in 0.05 min; start -> end (ratio)" in out, out
    assert re.search(r"^\s+worker_rss_total\s.*\(\s*\d+\.\d{3}\)", out, re.M), out
    assert (tmp_path / "samples.json").is_file()
