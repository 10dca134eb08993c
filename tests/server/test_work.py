from __future__ import annotations

import threading
import time

from lab.server import work


def test_burn_spends_the_cpu_time_asked() -> None:
    spent = work.burn(30)
    assert 0.030 <= spent < 0.040


def test_burn_counts_cpu_time_not_wall_time_under_gil_contention() -> None:
    results: list[float] = []
    threads = [threading.Thread(target=lambda: results.append(work.burn(40))) for _ in range(3)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    assert all(0.040 <= r < 0.060 for r in results)
    # Three threads share one GIL: together they need at least the sum of their CPU times.
    assert wall >= 0.9 * sum(results)


def test_zero_ms_is_immediate() -> None:
    assert work.burn(0) < 0.005
