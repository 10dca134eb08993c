import random

from locust import FastHttpUser, task


class Analyst(FastHttpUser):
    """Pulls reports, one after the other."""

    @task
    def report(self):
        account = random.choice(["acme", "globex", "initech", "umbrella"])
        self.client.get(f"/accounts/{account}/report?days=30", name="/accounts/{account}/report")
