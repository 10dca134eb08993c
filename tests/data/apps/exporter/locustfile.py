from locust import FastHttpUser, constant, task


class Auditor(FastHttpUser):
    wait_time = constant(0)

    @task
    def export(self):
        self.client.get("/export?n=1000", name="/export")
