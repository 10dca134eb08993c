import random

from locust import HttpUser, constant_pacing, task


def entry(i):
    amount = f"{random.uniform(1, 900):.2f}"
    lines = [
        {
            "account": f"{random.randint(1000, 1999)}",
            "side": "debit",
            "amount": amount,
            "tags": ["Ops", " q3 "],
        },
        {"account": f"{random.randint(4000, 4999)}-EU", "side": "credit", "amount": amount, "memo": "sale"},
    ]
    return {"booked": "2026-11-30", "reference": f"INV-{i:05d}", "postings": lines}


class Bookkeeper(HttpUser):
    """Posts a batch of entries every 0.2 s at most, looks an account up now and then."""

    wait_time = constant_pacing(0.2)

    @task(4)
    def post(self):
        self.client.post("/entries", json=[entry(i) for i in range(30)])

    @task(1)
    def lookup(self):
        self.client.get(f"/accounts/{random.randint(1000, 1999)}", name="/accounts/{account}")
