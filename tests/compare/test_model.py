"""The model's database ceilings (issue 16): Little's law with the connection pool as a limit, named when
it binds."""

from __future__ import annotations

import pytest

from lab.compare.model import ceiling


def _db(
    kind: str, *, users: int = 100, workers: int = 1, threadpool: int = 40, db_pool: int = 10
) -> tuple[float, str]:
    found = ceiling(
        kind, users=users, workers=workers, threadpool=threadpool, process_pool=2, cores=2,
        params={"ms": 100}, db_pool=db_pool,
    )  # fmt: skip
    assert found is not None
    return found.rps, found.limit


def test_async_is_held_by_the_connection_pool_not_the_users() -> None:
    assert _db("db-async", db_pool=10) == (100.0, "the connection pool (1 x 10 connections)")
    assert _db("db-async", db_pool=5)[0] == 50.0  # half the pool, half the throughput
    assert _db("db-async", workers=2, db_pool=5) == (100.0, "the connection pool (2 x 5 connections)")
    assert _db("db-async", users=4) == (40.0, "the users")


def test_sync_is_held_by_the_smaller_of_tokens_and_connections() -> None:
    assert _db("db-sync", threadpool=40, db_pool=10) == (100.0, "the connection pool (1 x 10 connections)")
    assert _db("db-sync", threadpool=4, db_pool=10) == (40.0, "the thread pool (1 x 4 tokens)")
    assert _db("db-sync", users=3) == (30.0, "the users")


def test_blocking_is_one_query_per_loop() -> None:
    assert _db("db-blocking", workers=2) == (20.0, "the event loop (2 blocked loop(s))")


@pytest.mark.parametrize("kind", ["db-sync", "db-async", "db-blocking"])
def test_no_ceiling_without_a_wait(kind: str) -> None:
    assert ceiling(kind, users=1, workers=1, threadpool=1, process_pool=1, cores=1, params={"ms": 0}) is None
