"""mixed: one user class spreading its requests over the catalogue, as a service under ordinary traffic.

Mostly cheap waits, some CPU and fan-out; every custom argument applies (`--io-ms`, `--cpu-ms`, ...).

    locust -f locustfiles/mixed.py --headless -u 50 -t 1m --host http://127.0.0.1:8000
"""

from locust import task

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.loadgen.users import LabUser


class MixedUser(LabUser):
    """mixed: weighted requests to async and sync I/O, CPU, fan-out and background endpoints."""

    @task(4)
    def io_async(self) -> None:
        self.request("io-async")

    @task(3)
    def io_sync(self) -> None:
        self.request("io-sync")

    @task(1)
    def cpu_sync(self) -> None:
        self.request("cpu-sync")

    @task(1)
    def fanout_async(self) -> None:
        self.request("fanout-async")

    @task(1)
    def background(self) -> None:
        self.request("background")
