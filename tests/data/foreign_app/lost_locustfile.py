from locust import HttpUser, between, task


class LostUser(HttpUser):
    """Follows a stale link most of the time: the app answers 404."""

    wait_time = between(0.001, 0.002)

    @task(4)
    def stale(self):
        self.client.get("/no-such-page")

    @task(1)
    def ping(self):
        self.client.get("/ping")
