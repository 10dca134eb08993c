"""`BackgroundTasks` (`--background-ms`, default 50): the response is sent first, the work runs after it.

locust -f locustfiles/background.py --host http://127.0.0.1:8000
"""

from locust import task

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.loadgen.users import LabUser


class BackgroundUser(LabUser):
    """background: `def` endpoint that schedules a sleep in the thread pool after responding."""

    @task
    def background(self) -> None:
        self.request("background")
