"""Sentences about what happened inside the server (thread pool, event loop) and over a cell's time.

Pure functions, like `explain`: cells and their histories in, sentences out.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from lab.compare.explain import LAG_NOTABLE_MS, label, num, ok, scenarios
from lab.compare.results.summary import Cell
from lab.shared.timeline import HistoryPoint


def threadpool(cells: Sequence[Cell]) -> list[str]:
    sentences = []
    for c in cells:
        waiting = c.threadpool_waiting_max or 0
        if ok(c) and waiting > 0:
            per = "" if c.workers == 1 else f" per worker ({c.workers} workers)"
            sentences.append(
                f"On {c.config}, {c.scenario} requests waited for one of {c.threadpool} "
                f"tokens{per} (up to {num(waiting)} waiting, {num(c.threadpool_in_use_max)} in use)"
            )
    idle = [
        s
        for s in scenarios(cells)
        if (row := [c for c in cells if c.scenario == s and ok(c)])
        and all((c.threadpool_in_use_max or 0) == 0 for c in row)
    ]
    if idle and len(idle) < len(scenarios(cells)):
        sentences.append(
            f"{', '.join(idle)} never held a thread-pool token: their handlers run on the event loop"
        )
    return sentences


LAG_CAUSE = {
    "io-blocking": "a blocking sleep in async def holds the loop for the whole sleep",
    "cpu-async": "CPU work in async def runs on the loop",
    "cpu-sync": "CPU work in the thread pool holds the GIL the loop needs to run",
    "cpu-thread": "CPU work in the thread pool holds the GIL the loop needs to run",
}


def loop_lag(cells: Sequence[Cell], limit: int = 3) -> list[str]:
    good = [(c, lag) for c in cells if ok(c) and (lag := c.loop_lag_p99_ms) is not None]
    if not good:
        return []
    high = sorted(((c, lag) for c, lag in good if lag >= LAG_NOTABLE_MS), key=lambda p: p[1], reverse=True)
    if not high:
        top, most = max(good, key=lambda p: p[1])
        return [
            f"Event-loop lag p99 stayed below {num(LAG_NOTABLE_MS, 'ms')} in every cell "
            f"(highest {num(most, 'ms')} on {label(top)})"
        ]
    sentences = []
    for c, lag in high[:limit]:
        cause = LAG_CAUSE.get(c.scenario, "the loop was busy (request handling, shared cores)")
        sentences.append(f"Event-loop lag p99 reached {num(lag, 'ms')} on {label(c)}: {cause}")
    if len(high) > limit:
        sentences.append(f"{len(high) - limit} more cells had lag p99 above {num(LAG_NOTABLE_MS, 'ms')}")
    return sentences


# -- over time ------------------------------------------------------------------------------------------


def history_points(history: Sequence[HistoryPoint]) -> list[HistoryPoint]:
    """Locust's per-second rows that hold a measurement (its first rows are zeros)."""
    return [row for row in history if row.p95_ms]


def over_time(
    cells: Sequence[Cell], histories: Mapping[tuple[str, str], Sequence[HistoryPoint]]
) -> list[str]:
    """Cells whose p95 spiked or was still climbing at the end (the queue had not settled)."""
    sentences, checked = [], 0
    for c in cells:
        points = history_points(histories.get(c.key, []))
        if not ok(c) or len(points) < 4:
            continue
        checked += 1
        p95 = [row.p95_ms or 0.0 for row in points]
        median = statistics.median(p95)
        first_half = statistics.median(p95[: len(p95) // 2])
        if max(p95) > 3 * median:
            sentences.append(
                f"p95 spiked to {num(max(p95), 'ms')} on {label(c)} (median {num(median, 'ms')})"
            )
        elif p95[-1] > 1.5 * first_half:
            sentences.append(
                f"p95 was still rising at the end of {label(c)} ({num(first_half, 'ms')} in the first half, "
                f"{num(p95[-1], 'ms')} at the end): the queue had not settled; a longer --duration shows more"
            )
    if not sentences and checked:
        sentences.append("p95 held steady through every cell: no spikes, no queue still building at the end")
    return sentences
