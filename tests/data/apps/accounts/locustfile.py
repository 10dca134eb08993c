import random

from locust import FastHttpUser, task


class Member(FastHttpUser):
    @task
    def login(self):
        i = random.randrange(50)
        self.client.post("/login", json={"username": f"user{i}", "password": f"pw{i}"})
