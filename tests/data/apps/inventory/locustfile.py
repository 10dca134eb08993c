import random

from locust import HttpUser, task


class Picker(HttpUser):
    """Checks stock and reserves, back to back."""

    @task(3)
    def check(self):
        self.client.get(f"/stock/SKU-{random.randint(0, 999):04d}", name="/stock/{sku}")

    @task(1)
    def reserve(self):
        self.client.post(
            f"/stock/SKU-{random.randint(0, 999):04d}/reserve?units=1", name="/stock/{sku}/reserve"
        )
