"""A world whose answer physics gives, for the search's own tests: cells of a closed loop whose throughput
is the smallest of the users' bound and the thread pool's (tokens / demand), as the model says."""

from __future__ import annotations

from lab.compare.results.summary import Cell
from lab.tune.search import Candidate

DEMAND_MS = 30.0


def cell(c: Candidate, users: int = 32, calibrate: bool = False, skew: float = 1.0) -> Cell:
    """What `c` measures: X = min(N / R0, tokens / D) x skew, R = N / X; demands on a calibrated one."""
    rps = min(users / DEMAND_MS, c.config.threadpool * c.workers / DEMAND_MS) * 1000 * skew
    mean = users / rps * 1000
    demands = {"wall": DEMAND_MS, "threadpool": DEMAND_MS, "cpu": 1.0} if calibrate else {}
    return Cell.model_validate({
        "config": c.config.name, "scenario": "Geocoding", "server": "uvicorn", "workers": c.workers,
        "threadpool": c.config.threadpool, "process_pool": 2, "users": users, "repeats": 1,
        "duration_s": 5.0, "requests": int(rps * 5), "failures": 0, "rps": rps, "mean_ms": mean,
        "p50_ms": mean, "p95_ms": mean * 1.3, "p99_ms": mean * 1.5, "think_ms": 0.0, "usable_cores": 2.0,
        "demands": demands, "status": "ok",
    })  # fmt: skip
