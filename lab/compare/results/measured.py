"""What one run of a cell measured (Measured) and one handler's row of a user's app (HandlerRow): the
client's side and the server's, as summary.json records them under every cell."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lab.shared.latency import LatencyFrom


class HandlerRow(BaseModel):
    """One route template of the app in a cell of a user's scenario: the client's requests mapped to it,
    the server's, its latency under load and alone (issue 11 §4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    handler: str = Field(description="The route template, as the server labels it.")
    kind: str = Field("unknown", description="def (thread pool), async (event loop) or unknown.")
    threadpool: bool = Field(False, description="Holds a thread-pool token: def, or def dependencies.")
    requested: bool = Field(
        True, description="False: served, but no request name of the load generator maps to it (self-calls)."
    )
    client_requests: int = Field(0, description="Locust's requests whose names map to this handler.")
    abandoned: int = Field(0, description="Of those names, in flight when Locust stopped its users.")
    server_requests: int = Field(0, description="Requests the server finished on this handler.")
    mean_ms: float | None = Field(None, description="Server-side mean latency under the cell's load.")
    p95_ms: float | None = None
    service_ms: float | None = Field(None, description="Server-side mean latency at one user (calibration).")
    cpu_ms: float | None = Field(None, description="The worker's CPU per request at one user (calibration).")
    loop_ms: float | None = Field(
        None, description="Event-loop time per request at one user (calibration): its tasks' steps, measured."
    )
    share: float | None = Field(None, description="Of the requested handlers' server requests.")


class Measured(BaseModel):
    """The numbers of one run of a cell; None in a failed cell, and where an older lab did not record them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration_s: float | None = Field(None, description="Seconds Locust's users were sending.")
    requests: int | None = Field(None, description="Requests Locust reported.")
    failures: int | None = None
    failure_ratio: float | None = Field(None, description="failures / requests; 0 when none failed.")
    failure_codes: dict[str, int] = Field(
        default_factory=dict,
        description='Failures by HTTP status, else by error, as Locust reported them, e.g. {"404": 1308}.',
    )
    rps: float | None = Field(None, description="requests / duration_s.")
    latency_from: LatencyFrom | None = Field(
        None,
        description="Where p50_ms..p99_ms are measured from: send (a closed loop), or schedule (the open "
        "model: from when the request was due, coordinated omission corrected). None: an older lab, whose "
        "percentiles are Locust's, rounded to two digits above 100 ms.",
    )
    p50_ms: float | None = Field(None, description="Client latency percentiles, exact (HDR histogram).")
    p95_ms: float | None = None
    p99_ms: float | None = None
    p50_ms_uncorrected: float | None = Field(
        None, description="latency_from = schedule: the percentiles measured from the send instead."
    )
    p95_ms_uncorrected: float | None = None
    p99_ms_uncorrected: float | None = None
    server_requests: int | None = Field(None, description="Requests the server finished in its window.")
    server_cpu_s: float | None = Field(None, description="CPU seconds of the server's processes.")
    server_window_s: float | None = Field(None, description="Seconds server_cpu_s and server_requests cover.")
    server_cores: float | None = Field(None, description="Cores the server used while users were sending.")
    loop_busy: float | None = Field(
        None,
        description="Seconds per second the requests' steps held the server's event loops, all workers "
        "(1 = one loop busy all the time), over the server's window.",
    )
    server_mean_ms: float | None = Field(
        None, description="The server's own mean time per request in its window (the requested handlers')."
    )
    loop_lag_p99_ms: float | None = None
    threadpool_in_use_max: float | None = Field(None, description="Most tokens in use at once.")
    threadpool_waiting_max: float | None = Field(None, description="Most requests waiting for a token.")
    process_pool_pending_max: float | None = None
    workers_busy: float | None = Field(
        None,
        description="Busy workers: total / busiest of the requests each worker finished, or of their CPU "
        "where the server does not count requests per worker; N when N share the work evenly.",
    )
    worker_busiest_cpu: float | None = Field(
        None,
        description="Cores the busiest worker process used with its own threads (its process pool aside): "
        "above 1, its CPU ran outside the GIL.",
    )
    generator_cpu: float | None = Field(None, description="Cores Locust used on average.")
    generator_saturated: bool | None = Field(None, description="A Locust process passed 90% of a core.")
    generator_processes: int | None = Field(
        None, description="Locust processes that sent the load (its workers, when a master aggregated)."
    )
    generator_busiest_cpu: float | None = Field(
        None, description="Cores used by the busiest Locust process on this machine."
    )
    abandoned: int | None = Field(None, description="Requests in flight when Locust stopped its users.")
    unaccounted: int | None = Field(None, description="server_requests - requests - abandoned.")
    reconciled: bool | None = Field(None, description="unaccounted within 1% (at least one request).")
    server_drained: bool | None = Field(None, description="False: requests were in flight at the last read.")
    mean_ms: float | None = Field(None, description="Locust's mean response time.")
    think_ms: float | None = Field(None, description="Mean measured think time (Locust), 0 without any.")
    usable_cores: float | None = Field(None, description="Cores the server could use (Locust's left).")
    other_cores: float | None = Field(None, description="Cores the machine's other processes used meanwhile.")
    server_requests_compared: int | None = Field(
        None,
        description="What requests + abandoned were compared with, when not server_requests: the server's "
        "requests on the handlers the client's names map to (a user's scenario).",
    )
    unmapped: list[str] = Field(
        default_factory=list, description="Request names that match no route (the whole server is compared)."
    )
    handlers: list[HandlerRow] = Field(default_factory=list, description="Per handler (a user's scenario).")
