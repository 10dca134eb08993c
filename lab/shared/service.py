"""A running service the lab did not start (`lab run --host`, issue 24): where Locust sends, where the
service's Prometheus metrics are read (if anywhere), and the load shape its locustfile holds (if any).

Recorded in summary.json's `meta.service`; the report reads it to say why the server's sections are empty
when no `--metrics-url` was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import ConfigDict

EXTERNAL = "external"  # the `server` of its configuration: nothing the lab launches
NO_METRICS = (
    "lab run was given no --metrics-url: the lab read nothing from the server, so the server's side "
    "(its request count, thread pool, event loop, CPU) is not measured and the counts are not reconciled"
)


class ServiceError(ValueError):
    """A URL the lab cannot send to or read from; the message names the flag."""


def check_url(url: str, flag: str) -> str:
    """`url` if it is an http(s) URL with a host; ServiceError naming `flag` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError(f"{flag} {url!r}: expected an http(s) URL with a host, e.g. http://10.0.0.5:8000")
    try:
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        raise ServiceError(f"{flag} {url!r}: the port is not a number between 0 and 65535") from None
    return url


@dataclass(frozen=True)
class Service:
    """The service under load: `url` (Locust's --host), `metrics_url` (None: none read), `shape`."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    url: str
    metrics_url: str | None = None
    shape: str | None = None  # the locustfile's LoadTestShape class: it sets the users and ends each run

    def __post_init__(self) -> None:
        check_url(self.url, "--host")
        if self.metrics_url is not None:
            check_url(self.metrics_url, "--metrics-url")

    @property
    def why_no_server(self) -> str | None:
        """Why the report's server sections are empty, or None when the server's metrics were read."""
        return NO_METRICS if self.metrics_url is None else None
