from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from lab.runtime import ports
from lab.runtime.launcher import Server
from lab.shared.configs import ServerConfig, load_catalogue

# Property tests judge results, not speed: on a shared 2-core machine one example can take longer than
# hypothesis's default 200 ms deadline (a flaky failure that says nothing about the code).
settings.register_profile("lab", deadline=None)
settings.load_profile("lab")

# The `slow` marker's guard, SIGINT restored under nohup, no process left behind; the first phase's
# order of modules: see the modules.
pytest_plugins = ["tests.process_guard", "tests.scheduling"]


# A free port outside the ephemeral range (lab.runtime.ports: one bind(0) gives may be taken by another
# test's outgoing connection before the server binds it).
free_port = ports.free_port


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def catalogue() -> dict[str, ServerConfig]:
    return load_catalogue()


@pytest.fixture(scope="module")
def single_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real uvicorn-single server shared by a test module."""
    cfg = load_catalogue()["uvicorn-single"]
    log = Path(tmp_path_factory.mktemp("server")) / "server.log"
    with Server(cfg, port=free_port(), log=log) as server:
        yield server
