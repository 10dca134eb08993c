"""Load for the shop: one user class per way of using it (issue 11 §5). Plain Locust, nothing of the lab.

locust -f examples/shop/locustfile.py --host http://127.0.0.1:8000
locust -f examples/shop/locustfile.py ItemUser --headless -u 8 -r 8 -t 30s --host http://127.0.0.1:8000

`ItemUser` and `QuoteUser` are closed loops with no think time: each user always has exactly one request
in flight, so the number of users is the concurrency the server sees, and the lab's ceilings (workers x
tokens / service time for `def`) read directly against it. They leave out `name=` on purpose, as many
real locustfiles do: Locust then keeps one row per URL (`/items/17`, `/items/342`, ...) and the lab has to
group them by the server's route template (`/items/{item_id}`). `BrowseUser` is a shopper with think time,
a TaskSet over several endpoints (a per-handler breakdown), `name=` on every request, and a 404 it expects.
"""

from __future__ import annotations

import random

from locust import FastHttpUser, HttpUser, TaskSet, between, constant, task
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpSession

PAGE = 100  # the largest page GET /items serves


def known_ids(client: HttpSession | FastHttpSession) -> list[int]:
    """Item ids the shop lists, as a client would discover them (first page)."""
    response = client.get("/items", params={"limit": PAGE}, name="/items")
    return [item["id"] for item in response.json()]


class ItemUser(HttpUser):
    """GET /items/{item_id}: a `def` endpoint, a SQLite query in a thread-pool thread (no name=)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.ids = known_ids(self.client)

    @task
    def item(self) -> None:
        self.client.get(f"/items/{random.choice(self.ids)}")


class QuoteUser(FastHttpUser):
    """GET /quotes/{item_id}: an `async def` endpoint awaiting an upstream over httpx (no name=)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.ids = known_ids(self.client)

    @task
    def quote(self) -> None:
        self.client.get(f"/quotes/{random.choice(self.ids)}")


class Browse(TaskSet):
    """Look at items, sometimes ask for a quote, turn a page, now and then follow a stale link."""

    def on_start(self) -> None:
        self.ids = known_ids(self.client)

    @task(6)
    def item(self) -> None:
        self.client.get(f"/items/{random.choice(self.ids)}", name="/items/{item_id}")

    @task(2)
    def quote(self) -> None:
        self.client.get(f"/quotes/{random.choice(self.ids)}", name="/quotes/{item_id}")

    @task(1)
    def page(self) -> None:
        self.client.get("/items", params={"limit": 20, "offset": random.randrange(0, 400, 20)}, name="/items")

    @task(1)
    def stale_link(self) -> None:
        with self.client.get("/items/999999", name="/items/{item_id}", catch_response=True) as response:
            if response.status_code == 404:
                response.success()  # expected: the item is gone
            else:
                response.failure(f"expected 404, got {response.status_code}")


class BrowseUser(HttpUser):
    """A shopper: several endpoints per session, 10-50 ms of think time between requests."""

    wait_time = between(0.01, 0.05)
    tasks = [Browse]
