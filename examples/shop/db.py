"""The shop's database: a SQLite file per worker, created and seeded at startup, removed at shutdown.

`def` endpoints run in the thread pool, so several threads query at once. A sqlite3 connection must not be
used by two threads at the same time, and a single shared connection behind a lock would serialise every
query (the lock, not the thread pool, would then bound the endpoint). So each query borrows a connection
from a pool of idle ones and gives it back: there are never more connections than threads querying at
once, each used by one thread at a time (hence `check_same_thread=False`), all closed at shutdown.
"""

from __future__ import annotations

import queue
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CATEGORIES = ("books", "games", "garden", "kitchen", "music", "tools")
MAX_REVIEWS = 10  # per item

SCHEMA = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
    price_cents INTEGER NOT NULL, stock INTEGER NOT NULL
);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), stars INTEGER NOT NULL
);
CREATE INDEX reviews_item ON reviews(item_id);
"""

ITEM_COLUMNS = """
SELECT i.id, i.name, i.category, i.price_cents, i.stock,
       count(r.id) AS reviews, round(avg(r.stars), 2) AS rating
FROM items i LEFT JOIN reviews r ON r.item_id = i.id
"""


class Database:
    """A read-only view of a seeded SQLite file, with a pool of connections shared by threads."""

    def __init__(self, directory: Path, latency_s: float) -> None:
        self.directory = directory
        self.path = directory / "shop.sqlite3"
        self.latency_s = latency_s
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()

    @classmethod
    def create(cls, items: int, latency_s: float) -> Database:
        """A new database in a fresh temporary directory, seeded with `items` items (the same every time)."""
        db = cls(Path(tempfile.mkdtemp(prefix="shop-")), latency_s)
        rng = random.Random(11)
        rows = [
            (i, f"item {i}", rng.choice(CATEGORIES), rng.randint(100, 20_000), rng.randint(0, 50))
            for i in range(1, items + 1)
        ]
        stars = [
            (i, rng.randint(1, 5)) for i in range(1, items + 1) for _ in range(rng.randint(0, MAX_REVIEWS))
        ]
        with sqlite3.connect(db.path) as conn:
            conn.executescript(SCHEMA)
            conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?)", rows)
            conn.executemany("INSERT INTO reviews (item_id, stars) VALUES (?, ?)", stars)
        conn.close()
        return db

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._open()
        try:
            yield conn
        finally:
            self._idle.put(conn)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows as dicts, after the simulated round trip (it blocks the calling thread, as a driver does)."""
        with self.connection() as conn:
            if self.latency_s:
                time.sleep(self.latency_s)
            return [dict(row) for row in conn.execute(sql, params)]

    def item(self, item_id: int) -> dict[str, Any] | None:
        rows = self.query(f"{ITEM_COLUMNS} WHERE i.id = ? GROUP BY i.id", (item_id,))
        return rows[0] if rows else None

    def items(self, limit: int, offset: int, category: str | None) -> list[dict[str, Any]]:
        where, params = ("WHERE i.category = ?", (category,)) if category else ("", ())
        sql = f"{ITEM_COLUMNS} {where} GROUP BY i.id ORDER BY i.id LIMIT ? OFFSET ?"
        return self.query(sql, (*params, limit, offset))

    def close(self) -> None:
        """Close every connection (no request is running at shutdown) and remove the file."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        shutil.rmtree(self.directory, ignore_errors=True)
