import random

from locust import FastHttpUser, between, task

REGIONS = ["north", "south", "east", "west"]
FILE = "id,region,amount\n" + "".join(
    f"{i},{random.choice(REGIONS)},{random.randint(1, 9999) / 100}\n" for i in range(2000)
)


class Importer(FastHttpUser):
    wait_time = between(0.01, 0.05)

    @task
    def upload(self):
        self.client.post("/imports", data=FILE, headers={"content-type": "text/csv"})
