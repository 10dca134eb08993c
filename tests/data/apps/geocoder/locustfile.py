import random

from locust import FastHttpUser, task


class Geocoding(FastHttpUser):
    """Looks addresses up, back to back."""

    @task
    def geocode(self):
        self.client.get(f"/geocode?address={random.randint(1, 999)}+Main+St", name="/geocode")
