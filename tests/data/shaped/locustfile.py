"""A user's locustfile with a load shape, for `lab run` (issue 24): two user classes, two stages.

Written as a user would: no `lab` import. The shape sets the users (2, then 6) and ends the run after
3 s; `lab run` follows it instead of --users and --duration.
"""

from locust import HttpUser, LoadTestShape, task


class AsyncReader(HttpUser):
    """Zero-work `async def` endpoint, no wait time."""

    @task
    def noop(self):
        self.client.get("/noop/async")


class SyncReader(HttpUser):
    """Zero-work `def` endpoint (a thread-pool hop), no wait time."""

    @task
    def noop(self):
        self.client.get("/noop/sync")


class TwoSteps(LoadTestShape):
    """2 users for 1.5 s, then 6 users until 3 s, then stop."""

    stages = [(1.5, 2), (3.0, 6)]

    def tick(self):
        run_time = self.get_run_time()
        for end, users in self.stages:
            if run_time < end:
                return users, 20
        return None
