"""The app's settings: the configuration this process serves and its own knobs, read from `LAB_*`.

The launcher (`lab serve`) writes the configuration for every server process it starts
(`lab.shared.configs.ServerConfig.to_env`), so each worker knows which configuration it belongs to; the
server reads the same model back (`ServerConfig.from_env`). Run by hand (`uvicorn --factory
lab.server.app:create_app`) the defaults apply: the catalogue, wrapped, named "default".
"""

from __future__ import annotations

import os
import urllib.parse

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lab.shared.configs import ServerConfig
from lab.shared.target import AppTarget


def _from_environment() -> ServerConfig:
    return ServerConfig.from_env(os.environ)


class AppSettings(BaseSettings):
    """What one server process needs to know about itself."""

    model_config = SettingsConfigDict(env_prefix="LAB_", extra="ignore", frozen=True)

    serving: ServerConfig = Field(
        default_factory=_from_environment,
        description="The configuration this process belongs to (LAB_CONFIG, LAB_SERVER, LAB_WORKERS, ...).",
    )
    upstream_url: str | None = Field(
        None,
        description="Base URL of the fan-out upstream (this lab's /io/async); unset or empty: the address "
        "of the socket this server is bound to.",
    )
    loop_lag_interval_s: float = Field(0.05, gt=0, le=5, description="Period of the event-loop lag probe.")
    instrument: bool = Field(True, description="Record the HTTP metrics (off only to measure their cost).")
    sample_interval_s: float = Field(0.25, gt=0, le=10, description="Period of the CPU/RSS sampler thread.")
    database_url: str | None = Field(
        None,
        description="PostgreSQL URL the /db/* endpoints query (issue 16); unset or empty: they answer 503.",
    )
    db_pool_timeout_s: float = Field(
        10.0, gt=0, le=300, description="How long a request waits for a free connection before a 503."
    )

    @property
    def target(self) -> AppTarget:
        return self.serving.target()

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urllib.parse.urlsplit(value).scheme not in ("postgresql", "postgres"):
            raise ValueError(f"expected postgresql://user@host:port/dbname, got {value!r}")
        return value

    @field_validator("upstream_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urllib.parse.urlsplit(value)
        port = parts.port  # ValueError when it is not a number
        if parts.scheme not in ("http", "https") or not parts.hostname or port == 0 or parts.query:
            raise ValueError(f"expected http://host:port with an optional path, got {value!r}")
        return value.rstrip("/")


def multiprocess_dir() -> str | None:
    """The Prometheus multiprocess directory, when the launcher set one."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
