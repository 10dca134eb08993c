"""The catalogue's database pools (issue 16): one psycopg `ConnectionPool` and one `AsyncConnectionPool` per
worker, opened in the lifespan when `LAB_DATABASE_URL` is set, closed at shutdown. Only then is this module
(and psycopg with it) imported: a worker without a database does not pay for the driver.

Each pool holds exactly `db_pool` connections (min = max), so the pool is a fixed limit as in production and
no request pays for a connection being opened. A request waits for a connection at most
`db_pool_timeout_s`; after that, or when the database fails, it gets `Unavailable` (the routes answer
503). Every checkout and return moves the `lab_db_pool_*` gauges.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolTimeout

from lab.server import metrics
from lab.server.unavailable import Unavailable

OPEN_TIMEOUT_S = 30.0  # how long a worker's startup waits for its pools to fill


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Pools:
    """A worker's two pools: `sync` for `def` endpoints (and the blocking mistake), `async_` for
    `async def` ones."""

    sync: ConnectionPool
    async_: AsyncConnectionPool
    size: int
    timeout_s: float

    def _timed_out(self, kind: str) -> Unavailable:
        return Unavailable(
            f"no database connection free within {self.timeout_s:g} s: the {kind} pool's {self.size} "
            "connections (db_pool, per worker) were all in use"
        )

    @contextlib.contextmanager
    def sync_connection(self) -> Iterator[psycopg.Connection]:
        """A connection of the sync pool, for as long as the block runs (blocks the calling thread)."""
        waiting = metrics.DB_POOL_WAITING.labels(pool="sync")
        in_use = metrics.DB_POOL_IN_USE.labels(pool="sync")
        waiting.inc()
        try:
            conn = self.sync.getconn()
        except PoolTimeout:
            raise self._timed_out("sync") from None
        finally:
            waiting.dec()
        in_use.inc()
        try:
            yield conn
        except psycopg.OperationalError as exc:
            raise Unavailable(f"the database failed: {exc}") from exc
        finally:
            in_use.dec()
            self.sync.putconn(conn)

    @contextlib.asynccontextmanager
    async def async_connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection of the async pool; waiting for it yields the event loop."""
        waiting = metrics.DB_POOL_WAITING.labels(pool="async")
        in_use = metrics.DB_POOL_IN_USE.labels(pool="async")
        waiting.inc()
        try:
            conn = await self.async_.getconn()
        except PoolTimeout:
            raise self._timed_out("async") from None
        finally:
            waiting.dec()
        in_use.inc()
        try:
            yield conn
        except psycopg.OperationalError as exc:
            raise Unavailable(f"the database failed: {exc}") from exc
        finally:
            in_use.dec()
            await self.async_.putconn(conn)

    async def close(self) -> None:
        await self.async_.close()
        await asyncio.to_thread(self.sync.close)
        for kind in ("sync", "async"):
            metrics.DB_POOL_SIZE.labels(pool=kind).set(0)


async def open_pools(url: str, size: int, timeout_s: float) -> Pools:
    """Both pools, full (`size` connections each); RuntimeError naming the database when it cannot be
    reached."""
    # autocommit: a query is not left inside a transaction the pool must roll back on return.
    kwargs = {"autocommit": True}
    sync = ConnectionPool(
        url, min_size=size, max_size=size, timeout=timeout_s, open=False, kwargs=kwargs, name="lab-sync"
    )
    async_ = AsyncConnectionPool(
        url, min_size=size, max_size=size, timeout=timeout_s, open=False, kwargs=kwargs, name="lab-async"
    )
    try:
        await asyncio.to_thread(sync.open, wait=True, timeout=OPEN_TIMEOUT_S)
        await async_.open(wait=True, timeout=OPEN_TIMEOUT_S)
    except PoolTimeout as exc:
        await async_.close()
        await asyncio.to_thread(sync.close)
        raise RuntimeError(
            f"the database at {redacted(url)} did not accept 2 x {size} connections (db_pool) within "
            f"{OPEN_TIMEOUT_S:g} s: is it running, and is its max_connections large enough? ({exc})"
        ) from None
    for kind in ("sync", "async"):  # every series exists from the start, at 0 until a request moves it
        metrics.DB_POOL_SIZE.labels(pool=kind).set(size)
        metrics.DB_POOL_IN_USE.labels(pool=kind).set(0)
        metrics.DB_POOL_WAITING.labels(pool=kind).set(0)
    return Pools(sync, async_, size, timeout_s)
