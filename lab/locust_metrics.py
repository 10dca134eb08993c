"""`import lab.locust_metrics` in a locustfile keeps loading the exporter plugin (`lab.loadgen.metrics`)."""

from __future__ import annotations

import lab.loadgen.metrics  # noqa: F401  (registers the plugin's Locust event listeners)
