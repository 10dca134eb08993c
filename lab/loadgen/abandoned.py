"""Requests Locust abandoned: in flight when their user was stopped, so never reported to its statistics.

`lab compare` runs Locust with `--stop-timeout 0`: at the stop every user is killed at once (`GreenletExit`
thrown into it, synchronously), and a request it was waiting for is never reported; the server still
finishes it. To reconcile the client's count with the server's, each such request is counted here, by
the name Locust would have reported it under, measured rather than assumed from the user count.

Importing this module wraps `request` of Locust's two HTTP sessions (`HttpSession`, `FastHttpSession`);
`lab.loadgen.metrics` imports it and exports the counts as `locust_requests_abandoned_total`. A request
abandoned inside a `catch_response` block after its response arrived is not counted (Locust reports it
on leaving the block, which never comes); the lab's users do not use one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from gevent import GreenletExit
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpSession

Listener = Callable[[str, str], None]  # (name, method)
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Call `listener(name, method)` for every abandoned request of this process."""
    _listeners.append(listener)


def _path(url: str) -> str:
    """What HttpSession reports without a name: the path and query of the URL."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _wrap(cls: Any, default_name: Callable[[str], str]) -> None:
    original = cls.request
    if getattr(original, "_lab_abandoned", False):
        return

    @functools.wraps(original)
    def request(self: Any, method: str, url: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, method, url, name, *args, **kwargs)
        except GreenletExit:
            reported = name or getattr(self, "request_name", None) or default_name(str(url))
            for listener in list(_listeners):
                listener(str(reported), str(method))
            raise

    request._lab_abandoned = True  # type: ignore[attr-defined]
    cls.request = request


_wrap(FastHttpSession, lambda url: url)  # FastHttpSession reports `name or url`, the URL as given
_wrap(HttpSession, _path)
