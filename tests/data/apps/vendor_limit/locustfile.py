import random

from locust import FastHttpUser, task


class Trader(FastHttpUser):
    """Asks for quotes, one after the other."""

    @task
    def quote(self):
        symbol = random.choice(["ACME", "GLOBEX", "INITECH", "UMBRELLA"])
        self.client.get(f"/quotes/{symbol}", name="/quotes/{symbol}")
