"""The load of `lab ab`'s tests: one scenario per endpoint of tests/data/apps/ab/*/service.py."""

from locust import FastHttpUser, task


class SameUser(FastHttpUser):
    @task
    def same(self) -> None:
        self.client.get("/same")


class WorkUser(FastHttpUser):
    @task
    def work(self) -> None:
        self.client.get("/work")
