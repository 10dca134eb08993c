"""The app's settings: one typed object read from `LAB_*` environment variables.

The launcher (`lab serve`) sets these for every server process it starts, so each worker knows which
configuration it belongs to; run by hand (`uvicorn --factory lab.server.app:create_app`) the defaults apply.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    upstream_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL of the fan-out upstream (this lab's /io/async)."
    )
    loop_lag_interval_s: float = Field(0.05, gt=0, le=5, description="Period of the event-loop lag probe.")
    instrument: bool = Field(True, description="Record the HTTP metrics (off only to measure their cost).")
    sample_interval_s: float = Field(0.25, gt=0, le=10, description="Period of the CPU/RSS sampler thread.")


def multiprocess_dir() -> str | None:
    """The Prometheus multiprocess directory, when the launcher set one."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
