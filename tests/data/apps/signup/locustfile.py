import itertools

from locust import FastHttpUser, task

counter = itertools.count()


class Visitor(FastHttpUser):
    @task
    def signup(self):
        n = next(counter)
        self.client.post("/signup", json={"email": f"u{n}@example.com", "name": f"User {n}"})
