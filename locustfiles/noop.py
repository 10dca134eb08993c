"""Zero-work endpoints: the fixed cost of a `def` route (a thread-pool hop) against an `async def` route.

locust -f locustfiles/noop.py --host http://127.0.0.1:8000
"""

from locust import task

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.loadgen.users import LabUser


class NoopSyncUser(LabUser):
    """noop-sync: `def` returning at once, pays the hop to a pool thread and back."""

    @task
    def noop_sync(self) -> None:
        self.request("noop-sync")


class NoopAsyncUser(LabUser):
    """noop-async: `async def` returning at once, on the event loop."""

    @task
    def noop_async(self) -> None:
        self.request("noop-async")
