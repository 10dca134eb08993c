import random

from locust import FastHttpUser, task


class Orders(FastHttpUser):
    """Reads orders, back to back."""

    @task
    def order(self):
        self.client.get(f"/orders/{random.randint(1, 9999)}", name="/orders/{order_id}")
