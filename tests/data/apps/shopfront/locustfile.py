import random

from locust import FastHttpUser, between, task


class Shopper(FastHttpUser):
    wait_time = between(0.05, 0.15)

    @task(6)
    def view(self):
        self.client.get(f"/products/{random.randrange(2000)}", name="/products/{pid}")

    @task(2)
    def ship(self):
        self.client.get(f"/shipping/{random.randrange(2000)}", name="/shipping/{pid}")

    @task(1)
    def recommend(self):
        self.client.get(f"/recommend/{random.randrange(2000)}", name="/recommend/{pid}")
