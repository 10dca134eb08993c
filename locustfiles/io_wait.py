"""I/O waits written three ways (`--io-ms`, default 100): in the thread pool, on the event loop, blocking it.

locust -f locustfiles/io_wait.py --host http://127.0.0.1:8000            # web UI, IoSyncUser ticked
locust -f locustfiles/io_wait.py IoSyncUser --headless -u 50 -r 50 -t 30s --host http://127.0.0.1:8000
"""

from locust import task

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.loadgen.users import LabUser


class IoSyncUser(LabUser):
    """io-sync: `def` + `time.sleep`, one of anyio's 40 pool threads per request in flight."""

    @task
    def io_sync(self) -> None:
        self.request("io-sync")


class IoSyncModelUser(LabUser):
    """io-sync-model: the same `def` + `time.sleep` with a response model, validated in a second pool trip."""

    @task
    def io_sync_model(self) -> None:
        self.request("io-sync-model")


class IoAsyncUser(LabUser):
    """io-async: `async def` + `asyncio.sleep`, waits share the event loop."""

    @task
    def io_async(self) -> None:
        self.request("io-async")


class IoBlockingUser(LabUser):
    """io-blocking: `async def` + `time.sleep`, each wait stops the whole event loop."""

    @task
    def io_blocking(self) -> None:
        self.request("io-blocking")
