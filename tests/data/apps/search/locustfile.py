import random

from locust import FastHttpUser, task


class Searcher(FastHttpUser):
    """Searches, back to back."""

    @task
    def search(self):
        terms = " ".join(f"w{random.randint(0, 499)}" for _ in range(3))
        self.client.get(f"/search?q={terms}", name="/search")
