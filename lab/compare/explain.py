"""Sentences computed from the numbers of a comparison: what won, by how much, and why the model says so.

Pure functions: cells (lab.compare.summary.Cell) in, sentences out. A sentence never quotes a
failed cell's numbers, and a comparison with a missing or failed side is left out, not guessed.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from lab.compare.results import flags
from lab.compare.results.summary import Cell
from lab.model.explain import EXPLAINED

# Below this ratio two throughputs count as "about the same": run-to-run noise on a shared machine.
SAME = 1.1
# Efficiency outside this band: the model does not explain the cell (lab.model.explain.EXPLAINED below,
# above it a throughput the ceiling should not allow); the report quotes the cell's one diagnosis.
EFFICIENCY_LOW, EFFICIENCY_HIGH = EXPLAINED, 1.1
LAG_NOTABLE_MS = 20.0  # an event-loop lag worth a sentence


def ok(cell: Cell | None) -> bool:
    return cell is not None and cell.status == "ok" and cell.rps is not None


def ranked(cell: Cell | None) -> bool:
    """A cell whose req/s may be compared: it ran, and is not failing (issue 21 §4)."""
    return ok(cell) and cell is not None and not flags.failing(cell)


def left_out(row: Sequence[Cell]) -> str:
    """Why cells of `row` are not compared: "a failed; b failing: 83% of its requests failed (...)"."""
    failed = [c.point for c in row if not ok(c)]
    failing = [f"{c.point} failing: {flags.failures_why(c)}" for c in row if ok(c) and flags.failing(c)]
    return "; ".join(([f"{', '.join(failed)} failed"] if failed else []) + failing)


def rps(cell: Cell) -> float:
    """The req/s of a cell `ok` accepted (there it is never None)."""
    return cell.rps or 0.0


def num(value: float | None, unit: str = "") -> str:
    """A number as a sentence shows it: 3 significant digits, no trailing noise."""
    if value is None:
        return "?"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    if "e" in text:
        text = f"{value:.0f}"
    return f"{text} {unit}".strip()


def times(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


def label(cell: Cell) -> str:
    return cell.label


def index(cells: Iterable[Cell]) -> dict[tuple[str, str], Cell]:
    return {c.key: c for c in cells}


def configs(cells: Sequence[Cell]) -> list[str]:
    """Distinct configurations in order of first appearance."""
    return list(dict.fromkeys(c.config for c in cells))


def scenarios(cells: Sequence[Cell]) -> list[str]:
    """Distinct scenarios in order of first appearance."""
    return list(dict.fromkeys(c.scenario for c in cells))


def tokens_phrase(cell: Cell) -> str:
    if cell.workers == 1:
        return f"{cell.threadpool} thread-pool tokens"
    return f"{cell.workers} workers x {cell.threadpool} thread-pool tokens"


# -- pairs of ways to write the same endpoint, compared within one configuration -------------------------


def _ceilings(a: Cell, b: Cell) -> str | None:
    ca, cb = a.ceiling_rps, b.ceiling_rps
    if ca is None or cb is None:
        return None
    if ca == cb:
        return f"the model gives both the same ceiling, {num(ca, 'req/s')} ({a.ceiling_formula})"
    return (
        f"the model allows {num(ca, 'req/s')} for {a.scenario} ({a.ceiling_formula}) "
        f"against {num(cb, 'req/s')} for {b.scenario} ({b.ceiling_formula})"
    )


def _io_sync_why(fast: Cell, sync: Cell) -> str | None:
    ceiling, ms = sync.ceiling_rps, sync.params.get("ms")
    if ceiling is None or ms is None:
        return _ceilings(fast, sync)
    if sync.tokens < sync.users:
        return f"the {tokens_phrase(sync)} cap sync I/O at {num(ceiling, 'req/s')} with {ms} ms sleeps"
    return (
        f"with {sync.users} users and {sync.tokens} tokens the tokens are not the limit: "
        f"the model caps sync I/O at {num(ceiling, 'req/s')} ({sync.ceiling_formula})"
    )


def _blocking_why(fast: Cell, blocking: Cell) -> str | None:
    if blocking.ceiling_rps is None:
        return None
    return (
        f"a blocking sleep in async def holds the event loop, one request at a time per worker "
        f"({blocking.ceiling_formula} = {num(blocking.ceiling_rps, 'req/s')})"
    )


@dataclass(frozen=True)
class Pair:
    """Scenario `a` against scenario `b` on one configuration; `why` explains a win of `a`."""

    a: str
    b: str
    a_label: str
    b_label: str
    why: Callable[[Cell, Cell], str | None] = _ceilings


PAIRS: tuple[Pair, ...] = (
    Pair("io-async", "io-sync", "async I/O", "sync I/O", _io_sync_why),
    Pair("io-async", "io-blocking", "async I/O", "blocking I/O on the loop", _blocking_why),
    Pair("cpu-process", "cpu-sync", "CPU work in a process pool", "sync CPU work"),
    Pair("cpu-thread", "cpu-sync", "CPU work in to_thread", "sync CPU work"),
    Pair("cpu-sync", "cpu-async", "sync CPU work", "CPU work in async def"),
    Pair("fanout-async", "fanout-sync", "async fan-out", "sync fan-out", _io_sync_why),
    Pair("noop-async", "noop-sync", "async no-op", "sync no-op"),
)


def pair_sentence(pair: Pair, a: Cell | None, b: Cell | None) -> str | None:
    """One sentence comparing the two cells of `pair` on one configuration (None if either is missing)."""
    if a is None or b is None or not (ranked(a) and ranked(b)) or not rps(a) or not rps(b):
        return None
    config, ratio = a.point, rps(a) / rps(b)
    spread = f"({num(a.rps)} vs {num(b.rps)} req/s)"
    if ratio <= 1 / SAME:
        spread = f"({num(b.rps)} vs {num(a.rps)} req/s)"
    if ratio >= SAME:
        why = pair.why(a, b)
        head = f"{pair.a_label} served {times(ratio)} the requests of {pair.b_label} on {config} {spread}"
        return head + (f": {why}" if why else "")
    if ratio <= 1 / SAME:
        why = _ceilings(a, b)
        head = f"{pair.b_label} served {times(1 / ratio)} the requests of {pair.a_label} on {config} {spread}"
        return head + (f"; {why}" if why else "")
    why = _ceilings(a, b)
    head = f"{pair.a_label} and {pair.b_label} served about the same on {config} {spread}"
    return head + (f"; {why}" if why else "")


def pairs(cells: Sequence[Cell]) -> list[str]:
    """Per configuration, the ways of writing an endpoint against each other (async vs sync, ...)."""
    found = index(cells)
    sentences = []
    for config in configs(cells):
        for pair in PAIRS:
            sentence = pair_sentence(pair, found.get((config, pair.a)), found.get((config, pair.b)))
            if sentence:
                sentences.append(sentence)
    return sentences


# -- configurations against each other, per scenario -----------------------------------------------------


def tied(one: Cell, other: Cell) -> bool:
    """Both have a 95% interval of req/s (--repeat 3 or more) and they overlap: noise may rank them."""
    a, b = one.rps_ci, other.rps_ci
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]


def winners(cells: Sequence[Cell]) -> list[str]:
    """Per scenario: which configuration served the most requests, and by how much."""
    sentences = []
    for scenario in scenarios(cells):
        row = [c for c in cells if c.scenario == scenario]
        good = sorted((c for c in row if ranked(c)), key=rps, reverse=True)
        why = left_out(row)
        note = f" ({why}: not compared)" if why else ""
        if len(good) < 2:
            continue
        best, worst = good[0], good[-1]
        if not rps(worst):
            sentences.append(f"{scenario}: {best.point} served the most, {num(best.rps, 'req/s')}; "
                             f"{worst.point} served none{note}")  # fmt: skip
            continue
        ratio = rps(best) / rps(worst)
        if ratio < SAME:
            sentences.append(
                f"{scenario}: every configuration within {round((SAME - 1) * 100)}% "
                f"({num(worst.rps)} to {num(best.rps)} req/s){note}"
            )
            continue
        if tied(best, good[1]):
            sentences.append(f"{scenario}: {best.point} and {good[1].point} tie, their 95% intervals of "
                             f"req/s overlap{note}")  # fmt: skip
            continue
        text = f"{scenario}: {best.point} served the most, {num(best.rps, 'req/s')}"
        if len(good) > 2:
            second = good[1]
            text += f", {times(rps(best) / rps(second))} the next, {second.point} ({num(second.rps)})"
            text += f", and {times(ratio)} the least, {worst.point} ({num(worst.rps)})"
        else:
            text += f", {times(ratio)} {worst.point} ({num(worst.rps, 'req/s')})"
        sentences.append(text + note)
    return sentences


def latency(cells: Sequence[Cell]) -> list[str]:
    """Per scenario: the worst p95 against the best, and Little's law on the worst."""
    sentences = []
    for scenario in scenarios(cells):
        good = [c for c in cells if c.scenario == scenario and ok(c) and c.p95_ms]
        if not good:
            continue
        good.sort(key=lambda c: c.p95_ms or 0.0)
        best, worst = good[0], good[-1]
        best_p95, worst_p95 = best.p95_ms or 0.0, worst.p95_ms or 0.0
        text = f"{scenario}: p95 {num(worst_p95, 'ms')} on {worst.point}"
        if len(good) > 1 and worst_p95 >= SAME * best_p95:
            text += f", {times(worst_p95 / best_p95)} the {num(best_p95, 'ms')} of {best.point}"
        users, measured = worst.users, rps(worst)
        if measured:
            # Little's law with no wait time between requests: users = rps x time in the system.
            mean_ms = users / measured * 1000
            text += (
                f". Little's law: {users} users / {num(measured, 'req/s')} = {num(mean_ms, 'ms')} per "
                f"request on average (p50 measured {num(worst.p50_ms, 'ms')})"
            )
            if mean_ms > 2 * _service_ms(worst):
                text += ": most of it is waiting in a queue, not work"
        sentences.append(text)
    return sentences


def _service_ms(cell: Cell) -> float:
    """The time one request needs when nothing queues: the sleep or CPU it asks for."""
    calls = cell.params.get("n", 1) if cell.scenario == "fanout-sync" else 1
    return float(cell.params.get("ms", 0)) * float(calls)


# -- where the model and the measurement disagree ---------------------------------------------------------


def generator(cells: Sequence[Cell]) -> list[str]:
    return [
        f"Locust used {num(c.generator_cpu)} cores in cell {label(c)}: "
        "that cell measures the load generator, not the server"
        for c in cells
        if ok(c) and c.generator_saturated
    ]


def efficiency(cells: Sequence[Cell]) -> list[str]:
    """Cells the model does not explain (unexplained, or above their ceiling), with their one diagnosis."""
    return [
        f"efficiency {num(c.efficiency)} on {label(c)} ({num(c.rps)} of {num(c.ceiling_rps, 'req/s')}): "
        f"{c.bottleneck}"
        for c in cells
        if ok(c)
        and c.efficiency is not None
        and c.binding != "generator"
        and not c.generator_saturated
        and (c.binding == "unexplained" or c.efficiency > EFFICIENCY_HIGH)
    ]


def spread(cells: Sequence[Cell]) -> list[str]:
    """With --repeat > 1: how much req/s moved between the runs of a cell."""
    repeated = [c for c in cells if ok(c) and len(c.rps_runs) > 1]
    if not repeated:
        return []
    widest = max(repeated, key=lambda c: c.rps_spread or 0)
    runs = widest.rps_runs
    median = statistics.median(c.rps_spread or 0 for c in repeated)
    return [
        f"{widest.repeats} runs per cell; the widest req/s spread was {widest.rps_spread or 0:.0%} on "
        f"{label(widest)} ({num(min(runs))} to {num(max(runs))} req/s), the median spread {median:.0%}"
    ]


# -- the server's side: thread pool and event loop ----------------------------------------------------
