"""What the database pools raise (lab.server.db) and the /db/* routes answer 503 for.

A module of its own so that the routes need not import lab.server.db: psycopg costs a worker about 0.2 s
of CPU at start, paid only when a database is configured (the lifespan of lab.server.app imports it then).
"""

from __future__ import annotations


class Unavailable(Exception):
    """No connection within the pool's timeout, or the database failed; the message says which."""
