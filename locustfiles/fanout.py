"""Several upstream calls per request (`--fanout-n` 5 calls of `--fanout-ms` 50): in sequence or gathered.

Each request also causes `n` server-side requests to /io/async (the upstream is the server itself).

    locust -f locustfiles/fanout.py --host http://127.0.0.1:8000
"""

from locust import task

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.loadgen.users import LabUser


class FanoutSyncUser(LabUser):
    """fanout-sync: `def` + sequential calls with a sync client, takes the sum of the calls."""

    @task
    def fanout_sync(self) -> None:
        self.request("fanout-sync")


class FanoutAsyncUser(LabUser):
    """fanout-async: `async def` + `asyncio.gather`, takes as long as the slowest call."""

    @task
    def fanout_async(self) -> None:
        self.request("fanout-async")
