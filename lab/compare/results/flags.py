"""What a reader must know before trusting a cell's numbers: requests that failed, counts that do not
reconcile, a cell too short for steady state, a saturated load generator. Each flag has a short name (for a
table column) and a sentence with the numbers (under the table, in summary.md, the terminal and the report).

`flagged` stores the names in the cell's `flags` when the run records it (summary.json; `failing` needs the
run's --max-failure-ratio); the others are pure functions of the cell's numbers, so a summary.json written
before cells carried `flags` gets them too. A failed cell carries no flag (its error says why).
"""

from __future__ import annotations

from lab.compare.results.summary import Cell
from lab.shared.capacity import NEAR, generator_capacity


def compared(cell: Cell) -> int | None:
    """The server's count the client's was compared with: a user's scenario's requested handlers, else all."""
    return cell.server_requests if cell.server_requests_compared is None else cell.server_requests_compared


def also_served(cell: Cell) -> str:
    """The handlers the server served that no request name maps to, e.g. "/upstream/price/{item_id} 513"."""
    return ", ".join(f"{r.handler} {r.server_requests}" for r in cell.handlers if not r.requested)


def counts(cell: Cell) -> str:
    """Client against server, e.g. "14186 + 67 = 14253" (Locust's requests + abandoned = server's), or
    "968 + 0 of 13 = 968" when abandoned requests died before they reached the server."""
    requests, abandoned, server = cell.requests, cell.abandoned, compared(cell)
    if requests is None or server is None:
        return ""
    if abandoned is None:  # a result written before the lab counted abandoned requests
        return f"{requests} / {server}"
    if not cell.reconciled:
        return f"{requests} + {abandoned} ≠ {server}"
    if requests <= server < requests + abandoned:
        # Some abandoned requests died before they reached the server: it served only part of them.
        return f"{requests} + {server - requests} of {abandoned} = {server}"
    sign = "=" if server == requests + abandoned else "≈"  # ≈: within the 1% tolerance
    return f"{requests} + {abandoned} {sign} {server}"


FAILING = "failing"  # issue 21 §4: never named best, left out of knees and ratios


def failing(cell: Cell) -> bool:
    return FAILING in cell.flags


def ratio(cell: Cell) -> float | None:
    """failures / requests (a cell recorded before the lab stored it: computed), None without requests."""
    if cell.failure_ratio is not None:
        return cell.failure_ratio
    if not cell.requests or cell.failures is None:
        return None
    return cell.failures / cell.requests


def failures_why(cell: Cell) -> str:
    """How much failed and with what: "83% of its requests failed (1308 of 1582: 404 x1308)"."""
    codes = ", ".join(f"{code} x{count}" for code, count in cell.failure_codes.items())
    return f"{ratio(cell) or 0:.0%} of its requests failed ({cell.failures} of {cell.requests}" + (
        f": {codes})" if codes else ")"
    )


def _failing(cell: Cell) -> str | None:
    if not failing(cell):
        return None
    return (
        f"failing: {failures_why(cell)}, above --max-failure-ratio: its req/s are not results, so it is "
        "never named best and is left out of knees and ratios"
    )


def _reconciled(cell: Cell) -> str | None:
    if cell.reconciled is not False:
        return None
    unaccounted = cell.unaccounted or 0
    drained = "" if cell.server_drained is not False else "; the server was still busy at the last read"
    scope = ""
    if cell.unmapped:
        names = ", ".join(repr(n) for n in cell.unmapped[:3]) + (" ..." if len(cell.unmapped) > 3 else "")
        scope = (
            f" (Locust's names {names} match no route of the app, so every handler the server served is "
            "compared, its calls to itself included)"
        )
    elif cell.server_requests_compared is not None:
        also = also_served(cell)
        scope = " on the handlers Locust requested" + (
            f" (also served, not requested by the load generator and not counted: {also})" if also else ""
        )
    return (
        f"client and server counts do not reconcile: the server finished {compared(cell)} "
        f"requests{scope}, Locust reported {cell.requests} and abandoned {cell.abandoned} at the "
        f"stop: {unaccounted:+d} unaccounted (more than 1%){drained}"
    )


def _steady(cell: Cell) -> str | None:
    if cell.steady_state is not False:
        return None
    wait, duration = cell.expected_wait_s or 0, cell.duration_s or 0
    return (
        f"not at steady state: a request's expected wait ({cell.users} users / "
        f"{_throughput(cell)} = {wait:.3g} s, Little's law) exceeds the {duration:.3g} s cell, so its "
        "latencies track the cell's length, not the server; lengthen --duration or lower --users"
    )


def _throughput(cell: Cell) -> str:
    if cell.ceiling_rps:
        return f"the ceiling of {cell.ceiling_rps:.3g} req/s"
    return f"{cell.rps or 0:.3g} req/s measured"


def _saturated(cell: Cell) -> str | None:
    if not cell.generator_saturated:
        return None
    return (
        "the load generator saturated (Locust near a full core): its numbers describe Locust, not the server"
    )


def _near_capacity(cell: Cell) -> str | None:
    """Within 20% of what the generator's processes drove in bench/generator.py (issue 13 §3); a cell
    recorded before the lab counted its generator processes is not judged."""
    capacity, processes = generator_capacity(), cell.generator_processes
    if capacity is None or processes is None or cell.rps is None or cell.generator_saturated:
        return None
    if not capacity.near(cell.rps, processes):
        return None
    return (
        f"{cell.rps:.0f} req/s is within {NEAR:.0%} of what {processes} Locust process(es) drove in "
        f"bench/generator.py ({capacity.rps_per_process:.0f} req/s each, "
        "lab/shared/generator_capacity.toml): the load generator may be the limit; add --generator-processes"
    )


KEPT = 0.9  # of an open model's target rate (spawning the users costs a short cell a few percent)


def _rate(cell: Cell) -> str | None:
    """An open-model cell (issue 12 §2) that served under KEPT of its target rate: the server (or Locust)
    could not take the arrivals, and its latencies are those of a queue that grew for the whole cell."""
    if cell.target_rps is None or cell.rps is None or cell.rps >= KEPT * cell.target_rps:
        return None
    return (
        f"could not keep the rate: {cell.rps:.0f} req/s served of the {cell.target_rps:g} asked, under "
        f"{KEPT:.0%}; the latencies are those of a queue that grew for the whole cell"
    )


# short name -> the sentence, or None when the cell does not carry the flag
FLAGS = {
    FAILING: _failing,
    "rate not kept": _rate,
    "unreconciled": _reconciled,
    "not steady": _steady,
    "Locust saturated": _saturated,
    "near Locust capacity": _near_capacity,
}


def names(cell: Cell) -> list[str]:
    """The short names of the flags `cell` carries (for a table column): its stored `flags`, and those its
    numbers show (a cell recorded before the lab stored them)."""
    if cell.status != "ok":
        return []
    return list(dict.fromkeys([*cell.flags, *(name for name, sentence in FLAGS.items() if sentence(cell))]))


def flagged(cell: Cell, max_failure_ratio: float) -> Cell:
    """`cell` with its `flags` stored: `failing` when more than `max_failure_ratio` of its requests failed."""
    if cell.status != "ok":
        return cell
    over = (ratio(cell) or 0.0) > max_failure_ratio
    return cell.model_copy(
        update={"flags": names(cell.model_copy(update={"flags": [FAILING] if over else []}))}
    )


def sentences(cell: Cell) -> list[str]:
    """Every flag of `cell` as a sentence with its numbers."""
    if cell.status != "ok":
        return []
    return [text for sentence in FLAGS.values() if (text := sentence(cell))]


def notes(cells: list[Cell]) -> list[str]:
    """One line per flagged cell and flag: "gunicorn-multi · io-sync: not at steady state: ..."."""
    return [f"{c.label}: {text}" for c in cells for text in sentences(c)]
