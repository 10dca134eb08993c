import random

from locust import HttpUser, between, task


class Buyer(HttpUser):
    """Reads the price list, asks for a quote, thinks about it."""

    wait_time = between(0.5, 1.5)

    @task(2)
    def quote(self):
        items = [
            {
                "sku": f"XYZ-{random.randint(0, 9999):04d}",
                "quantity": random.randint(1, 50),
                "unit_price": f"{random.uniform(1, 500):.2f}",
                "discount": "0.05",
            }
            for _ in range(40)
        ]
        self.client.post("/quotes", json={"customer": "acme corp", "items": items})

    @task(1)
    def price_list(self):
        self.client.get("/price-list?size=100", name="/price-list")
