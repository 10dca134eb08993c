"""A cell's time series, typed: Locust's per-second history and the server's timeline (issue 27).

Measured in `lab.runtime.headless` (Locust's stats history) and `lab.measure.scrape` (the server's
/metrics read while the cell runs), written to `cells/<point>__<scenario>.json` by the comparison and
drawn by the report: one declaration for the three of them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class HistoryPoint(BaseModel):
    """One second of Locust's stats history for the cell's request name (`*_stats_history.csv`)."""

    model_config = ConfigDict(frozen=True)

    t: int  # unix seconds, as Locust writes them
    users: int
    rps: float | None
    p50_ms: float | None
    p95_ms: float | None


class TimelinePoint(BaseModel):
    """One read of the server's /metrics while the cell ran."""

    model_config = ConfigDict(frozen=True)

    t: float  # unix seconds
    in_use: float  # thread-pool tokens borrowed, over the workers
    waiting: float  # tasks waiting for a token
    lag_p99_ms: float | None  # event-loop lag p99 since the previous read
    # The server's view of the requests that finished since the previous read.
    server_p50_ms: float | None = None
    server_p95_ms: float | None = None


class CellSeries(BaseModel):
    """The time series of one run of a cell: what cells/*.json holds besides the cell's names."""

    history: list[HistoryPoint] = []
    server_timeline: list[TimelinePoint] = []
