"""What endpoints get from the lifespan, as FastAPI dependencies.

They are `async def` on purpose: a plain `def` dependency would borrow a thread-pool thread of its own
before the endpoint runs, for nothing but reading `request.state`.
"""

from __future__ import annotations

from typing import Annotated, cast

import httpx
from fastapi import Depends, Request

from .db import Database
from .settings import Settings


async def get_db(request: Request) -> Database:
    return cast(Database, request.state.db)


async def get_upstream(request: Request) -> httpx.AsyncClient:
    return cast(httpx.AsyncClient, request.state.upstream)


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.state.settings)


DbDep = Annotated[Database, Depends(get_db)]
UpstreamDep = Annotated[httpx.AsyncClient, Depends(get_upstream)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
