"""`lab compare` with a database scenario (issue 16): it starts a real PostgreSQL for the run and stops it,
and `db-async` on a 5-connection pool serves about half of what a 10-connection pool serves, as the model
says (the connection pool binds: 20 users, 100 ms queries)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.serial]

LAB = [sys.executable, "-m", "lab"]
CONFIGS = """
[pool5]
server = "uvicorn"
db_pool = 5

[pool10]
server = "uvicorn"
db_pool = 10
"""


def _lab_postgres(under: Path) -> set[int]:
    """PostgreSQL postmasters a lab run started with its temporary files `under` a directory (their data
    directory is a lab-postgres-* temp dir): the suite's other tests run their own meanwhile."""
    found = set()
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and any(f"{under}/lab-postgres-" in part for part in cmdline):
            found.add(process.pid)
    return found


def test_db_async_on_half_the_pool_serves_half(tmp_path: Path) -> None:
    (tmp_path / "configs.toml").write_text(CONFIGS)
    # The run's temporary files in a directory of its own, which PostgreSQL's user can enter (as root,
    # the lab runs it as `postgres`; pytest's tmp_path is its owner's alone).
    temp = Path(tempfile.mkdtemp(prefix="lab-test-db-"))
    temp.chmod(0o755)
    out = tmp_path / "run"
    # The cells are 1 s: the pool binds from the first second (all 20 users at once on 5 or 10 connections),
    # about 45 and 90 requests. The calibration is 2 s at once: one user's 100 ms queries give fewer than its
    # 10 requests in 1 s, and a short one runs again twice as long (1 s, then 2 s: lab.compare.run.calibrate).
    # Its ceilings: 45.4 to 45.6 and 91 (three runs), against 45.9 to 46.1 and 92 after the 1 s + 2 s.
    result = subprocess.run(
        [
            *LAB, "compare", "--configs-file", str(tmp_path / "configs.toml"), "--configs", "pool5,pool10",
            "--scenarios", "db-async", "--users", "20", "--db-ms", "100", "--duration", "1s",
            "--warmup", "0", "--calibrate", "2s", "--out", str(out),
        ],
        capture_output=True, text=True, timeout=150, cwd=tmp_path, env={**os.environ, "TMPDIR": str(temp)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert not _lab_postgres(temp)  # the run's PostgreSQL is gone
    shutil.rmtree(temp, ignore_errors=True)
    assert (out / "logs" / "postgres.log").is_file()
    cells = {c["config"]: c for c in json.loads((out / "summary.json").read_text())["cells"]}
    five, ten = cells["pool5"], cells["pool10"]
    assert five["status"] == ten["status"] == "ok"
    # 5 or 10 connections over the connection time at one user (the 100 ms query, a little more).
    assert five["binding"] == ten["binding"] == "db_pool", (five["bottleneck"], ten["bottleneck"])
    assert five["ceiling_rps"] == pytest.approx(50, rel=0.15) and ten["ceiling_rps"] == pytest.approx(
        100, rel=0.15
    )
    assert five["limit"] == "the connection pool (1 x 5 connections)"
    ratio = five["rps"] / ten["rps"]
    assert 0.35 <= ratio <= 0.65, (five["rps"], ten["rps"])
