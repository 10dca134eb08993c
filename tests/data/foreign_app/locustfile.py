import random

from locust import FastHttpUser, HttpUser, TaskSet, between, constant, task


class ApiUser(HttpUser):
    """Shared settings; not a scenario itself."""

    abstract = True
    wait_time = constant(0)


class OrderTasks(TaskSet):
    @task(3)
    def order(self):
        self.client.get(f"/api/v1/orders/{random.randint(1, 1000)}")

    @task(1)
    def line(self):
        order_id, line_no = random.randint(1, 1000), random.randint(1, 5)
        self.client.get(f"/api/v1/orders/{order_id}/lines/{line_no}", name="order line")


class OrderUser(ApiUser):
    tasks = [OrderTasks]


class PingUser(FastHttpUser):
    wait_time = between(0, 0.01)

    @task
    def ping(self):
        self.client.get("/ping")

    @task
    def customer(self):
        self.client.get(f"/customers/{random.choice(['ada', 'grace', 'linus'])}")
