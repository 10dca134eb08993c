"""CPU work written four ways (`--cpu-ms`, default 10): inline, in the pool, offloaded to a thread or process.

locust -f locustfiles/cpu.py --host http://127.0.0.1:8000
locust -f locustfiles/cpu.py CpuProcessUser --headless -u 8 -r 8 -t 30s --host http://127.0.0.1:8000
"""

from locust import task

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.loadgen.users import LabUser


class CpuSyncUser(LabUser):
    """cpu-sync: `def` + CPU work, in the thread pool under one GIL."""

    @task
    def cpu_sync(self) -> None:
        self.request("cpu-sync")


class CpuAsyncUser(LabUser):
    """cpu-async: `async def` + CPU work inline, the event loop does nothing else meanwhile."""

    @task
    def cpu_async(self) -> None:
        self.request("cpu-async")


class CpuThreadUser(LabUser):
    """cpu-thread: `async def` + `anyio.to_thread.run_sync`, still one GIL."""

    @task
    def cpu_thread(self) -> None:
        self.request("cpu-thread")


class CpuProcessUser(LabUser):
    """cpu-process: `async def` + a process pool, one GIL per process."""

    @task
    def cpu_process(self) -> None:
        self.request("cpu-process")
