import random

from locust import FastHttpUser, task


class Shopper(FastHttpUser):
    """Browses products and categories, sometimes orders."""

    @task(5)
    def product(self):
        self.client.get(f"/products/{random.randint(1, 2000)}", name="/products/{product_id}")

    @task(3)
    def category(self):
        category = random.randint(1, 20)
        self.client.get(
            f"/categories/{category}/products?limit=20", name="/categories/{category_id}/products"
        )

    @task(1)
    def order(self):
        lines = [{"product_id": random.randint(1, 2000), "quantity": random.randint(1, 3)} for _ in range(3)]
        self.client.post("/orders", json={"lines": lines})
