"""A UvicornWorker whose event loop and HTTP parser come from the configuration (LAB_LOOP, LAB_HTTP)."""

from __future__ import annotations

import os

from uvicorn_worker import UvicornWorker

from lab.shared.configs import ServerConfig

_SERVING = ServerConfig.from_env(os.environ)  # as the launcher wrote it (ServerConfig.to_env)


class LabUvicornWorker(UvicornWorker):  # type: ignore[misc]  # uvicorn-worker ships no types: a subclass of Any
    CONFIG_KWARGS = {"loop": _SERVING.loop, "http": _SERVING.http}
