"""The app's settings: one typed object read from `LAB_*` environment variables.

The launcher (`lab serve`) sets these for every server process it starts, so each worker knows which
configuration it belongs to; run by hand (`uvicorn --factory lab.server.app:create_app`) the defaults apply:
the catalogue, wrapped.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lab.shared.target import CATALOGUE_APP, DEFAULT_METRICS_PATH, AppTarget

Loop = Literal["auto", "uvloop", "asyncio"]
Http = Literal["auto", "httptools", "h11"]


class AppSettings(BaseSettings):
    """What one server process needs to know about itself."""

    model_config = SettingsConfigDict(env_prefix="LAB_", extra="ignore", frozen=True)

    config: str = Field("default", description="Name of the server configuration serving this app.")
    server: str = Field("uvicorn", description="uvicorn, gunicorn or granian.")
    workers: int = Field(1, ge=1, le=256)
    threadpool: int = Field(40, ge=1, le=10_000, description="anyio thread-pool tokens per process.")
    loop: Loop = "auto"
    http: Http = "auto"
    process_pool: int = Field(2, ge=1, le=64, description="Processes in each worker's CPU pool.")
    upstream_url: str | None = Field(
        None,
        description="Base URL of the fan-out upstream (this lab's /io/async); unset or empty: the address "
        "of the socket this server is bound to.",
    )
    loop_lag_interval_s: float = Field(0.05, gt=0, le=5, description="Period of the event-loop lag probe.")
    instrument: bool = Field(True, description="Record the HTTP metrics (off only to measure their cost).")
    sample_interval_s: float = Field(0.25, gt=0, le=10, description="Period of the CPU/RSS sampler thread.")
    app: str = Field(CATALOGUE_APP, description="The app under test, MODULE:ATTR (lab.server.wrap loads it).")
    factory: bool = Field(True, description="Call `app` to get the ASGI app (uvicorn's --factory).")
    app_dir: str | None = Field(None, description="Put first on sys.path before importing `app`.")
    metrics_path: str = Field(DEFAULT_METRICS_PATH, description="Where the wrapper serves the metrics.")
    database_url: str | None = Field(
        None,
        description="PostgreSQL URL the /db/* endpoints query (issue 16); unset or empty: they answer 503.",
    )
    db_pool: int = Field(10, ge=1, le=1000, description="Connections in each of a worker's two DB pools.")
    db_pool_timeout_s: float = Field(
        10.0, gt=0, le=300, description="How long a request waits for a free connection before a 503."
    )

    @property
    def target(self) -> AppTarget:
        return AppTarget(self.app, self.factory, self.app_dir or None, self.metrics_path)

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
