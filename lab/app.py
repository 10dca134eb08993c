"""`uvicorn --factory lab.app:create_app` keeps working: the app lives in `lab.server.app`."""

from __future__ import annotations

from lab.server.app import create_app

__all__ = ["create_app"]
