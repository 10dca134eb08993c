import random

from locust import FastHttpUser, task


class Thumbnails(FastHttpUser):
    """Asks for thumbnails, back to back."""

    @task
    def thumbnail(self):
        self.client.get(f"/thumbnail/{random.randint(0, 255)}", name="/thumbnail/{seed}")
