"""A running service as a cell's measurement sees it (`lab run --host`, issue 24): the same face as a
launched `Server` (url, metrics_url, config, alive, wait_ready, stop), with nothing to start or stop.

Its process is elsewhere: no pid (the server's CPU is not sampled from outside), and its metrics only when
the user gave `--metrics-url`.
"""

from __future__ import annotations

from lab.shared.configs import ServerConfig
from lab.shared.service import EXTERNAL, Service


def external_config(name: str, service: Service) -> ServerConfig:
    """The configuration that stands for `service` in summary.json: its name and where it runs."""
    return ServerConfig(name=name, server=EXTERNAL, description=f"the running service at {service.url}")


class Running:
    """`service` under the name of `config`: alive as far as the lab can tell (its cells say otherwise)."""

    process = None  # not the lab's: no pid to watch

    def __init__(self, config: ServerConfig, service: Service) -> None:
        self.config = config
        self.service = service

    @property
    def url(self) -> str:
        return self.service.url.rstrip("/")

    @property
    def metrics_url(self) -> str | None:
        return self.service.metrics_url

    def alive(self) -> bool:
        return True

    def wait_ready(self) -> None:
        """Nothing: it runs already (its cells say otherwise)."""

    def stop(self, grace: float = 0.0) -> None:
        """Nothing: the lab did not start it."""
