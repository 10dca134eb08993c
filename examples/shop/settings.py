"""The shop's settings, from `SHOP_*` environment variables, validated once when the app is built."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_")

    items: int = Field(500, ge=1, description="how many items each worker's database is seeded with")
    # SQLite answers in microseconds from inside the process; a database server is a network round trip
    # away. The round trip is added as a sleep in the same thread, which waits as a driver on its socket.
    db_latency_ms: float = Field(10.0, ge=0, description="simulated database round trip per query")
    upstream_url: str | None = Field(None, description="pricing service base URL; default: this server")
    upstream_latency_ms: float = Field(20.0, ge=0, description="how long the built-in pricing service takes")
    lifespan_log: Path | None = Field(None, description="append 'startup PID' / 'shutdown PID' lines here")
