"""The default locustfile of deploy/k8s: two endpoints of the lab's catalogue, as a user would write it.

Replace it with yours through the overlay's configMapGenerator (docs/kubernetes.md).
"""

from locust import HttpUser, task


class IoAsyncReader(HttpUser):
    """`async def` waiting on I/O (asyncio.sleep), no wait time."""

    @task
    def io_async(self):
        self.client.get("/io/async?ms=50", name="/io/async")


class IoSyncReader(HttpUser):
    """`def` waiting on I/O (time.sleep in the thread pool), no wait time."""

    @task
    def io_sync(self):
        self.client.get("/io/sync?ms=50", name="/io/sync")
