"""A UvicornWorker whose event loop and HTTP parser come from the configuration (LAB_LOOP, LAB_HTTP)."""

from __future__ import annotations

import os

from uvicorn_worker import UvicornWorker


class LabUvicornWorker(UvicornWorker):  # type: ignore[misc]  # uvicorn-worker ships no types: a subclass of Any
    CONFIG_KWARGS = {
        "loop": os.environ.get("LAB_LOOP", "auto"),
        "http": os.environ.get("LAB_HTTP", "auto"),
    }
