"""A real database wait written three ways (`--db-ms`, default 100): `SELECT pg_sleep` through a pool of
`db_pool` connections per worker, in the thread pool, on the event loop, blocking it. The server needs a
database (`LAB_DATABASE_URL`; `lab compare` starts a PostgreSQL for these), else /db/* answer 503.

locust -f locustfiles/db.py --host http://127.0.0.1:8000            # web UI, DbSyncUser ticked
locust -f locustfiles/db.py DbAsyncUser --headless -u 50 -r 50 -t 30s --host http://127.0.0.1:8000
"""

from locust import task

import lab.loadgen.metrics  # noqa: F401  (the Prometheus exporter)
from lab.loadgen.users import LabUser


class DbSyncUser(LabUser):
    """db-sync: `def` + psycopg's sync pool, a pool thread per request, a connection per query."""

    @task
    def db_sync(self) -> None:
        self.request("db-sync")


class DbAsyncUser(LabUser):
    """db-async: `async def` + psycopg's async pool, waits share the loop; the pool is the limit."""

    @task
    def db_async(self) -> None:
        self.request("db-async")


class DbBlockingUser(LabUser):
    """db-blocking: `async def` + the sync driver, each query stops the whole event loop."""

    @task
    def db_blocking(self) -> None:
        self.request("db-blocking")
