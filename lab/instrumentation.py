"""HTTP metrics through prometheus-fastapi-instrumentator, with the lab's declarations.

Only the two metrics the lab reads are recorded (the instrumentator's defaults add request and response
size summaries and a second high-resolution histogram, which cost throughput: see bench/), plus an
in-flight gauge declared once in `lab.metrics` so that several apps in one process share it.
"""

from __future__ import annotations

from typing import Any

from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.applications import Starlette

from lab import metrics


class LabInstrumentatorMiddleware(PrometheusInstrumentatorMiddleware):
    """The instrumentator's middleware, with the in-flight gauge taken from `lab.metrics`."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        kwargs["should_instrument_requests_inprogress"] = False  # it would register its own gauge
        super().__init__(app, **kwargs)
        self.should_instrument_requests_inprogress = True
        self.inprogress_labels = True
        self.inprogress = metrics.HTTP_INPROGRESS


def instrument(app: Starlette) -> None:
    """Record `http_requests_total` and `http_request_duration_seconds` for every route but /metrics."""
    instrumentator = Instrumentator(excluded_handlers=["^/metrics$"], should_group_status_codes=True)
    for function in (metrics.HTTP_REQUESTS, metrics.HTTP_LATENCY):
        if function is not None:
            instrumentator.add(function)
    app.add_middleware(
        LabInstrumentatorMiddleware,
        should_group_status_codes=instrumentator.should_group_status_codes,
        should_ignore_untemplated=instrumentator.should_ignore_untemplated,
        should_group_untemplated=instrumentator.should_group_untemplated,
        excluded_handlers=instrumentator.excluded_handlers,
        instrumentations=instrumentator.instrumentations,
        async_instrumentations=instrumentator.async_instrumentations,
    )
