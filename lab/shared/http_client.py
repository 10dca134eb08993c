"""One HTTP client for the lab's own reads: a server's /metrics, Prometheus' API, readiness checks.

The module function `httpx.get` builds a client, and with it an SSL context, on every call: 36 ms of CPU
each (measured here, even for an http:// URL). The lab reads a server's /metrics every 0.5 s during a cell
and every 0.1 s while it drains, on the machine under test: a third of a core while draining, taken from the
server it measures. One client, made once, costs 0.2 ms a read. It keeps no connection alive between reads
(each read opens its own, as `httpx.get` did), so a server started again on the same port is never read
through a stale socket, and a server never sees an idle connection of the lab's.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx


@functools.cache
def client() -> httpx.Client:
    """The process's client (made at first use: the SSL context costs its 36 ms once)."""
    return httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def get(url: str, **kwargs: Any) -> httpx.Response:
    """`httpx.get(url, **kwargs)` through the shared client."""
    return client().get(url, **kwargs)
