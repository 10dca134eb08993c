"""Fan-out calls this server's own /io/async however the app is served, and answers 502 when that fails."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from lab.runtime.launcher import Server
from lab.server.routes.fanout import NoUpstream, own_address
from lab.server.settings import AppSettings
from lab.shared.configs import ServerConfig
from tests.conftest import free_port
from tests.metrics_support import total
from tests.uvicorn_support import Uvicorn

# A request cannot choose the upstream: a forged Host header must change nothing.
FORGED = {"Host": "upstream.invalid:1"}


def _fan_out(http: httpx.Client) -> None:
    """3 + 4 upstream calls, each answered 200."""
    for path in ("/fanout/sync?n=3&ms=1", "/fanout/async?n=4&ms=1"):
        response = http.get(path, headers=FORGED)
        assert response.status_code == 200, response.text


@pytest.mark.slow
def test_plain_uvicorn_on_any_port_calls_itself(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with Uvicorn(["--port", str(port)], url, tmp_path / "log") as server, server.client() as http:
        _fan_out(http)
        assert total(url, "http_requests_total", handler="/io/async", status="2xx") == 7


@pytest.mark.slow
def test_uvicorn_on_an_inherited_socket_calls_itself(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        fd = sock.fileno()
        with Uvicorn(["--fd", str(fd)], url, tmp_path / "log", pass_fds=[fd]) as server:
            sock.close()  # only the server holds the socket now
            with server.client() as http:
                _fan_out(http)
            assert total(url, "http_requests_total", handler="/io/async", status="2xx") == 7


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gunicorn-multi", "granian"])
def test_launched_servers_call_themselves_without_upstream_url(
    catalogue: dict[str, ServerConfig], tmp_path: Path, name: str
) -> None:
    # The launcher sets LAB_UPSTREAM_URL; empty, the app falls back on the socket it is bound to.
    env = {"LAB_UPSTREAM_URL": ""}
    with Server(catalogue[name], port=free_port(), log=tmp_path / "log", extra_env=env) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            _fan_out(http)
        assert total(server.url, "http_requests_total", handler="/io/async", status="2xx") == 7


def _assert_bad_gateway(http: httpx.Client, upstream: str | None, error: str) -> list[dict[str, object]]:
    bodies = []
    for path in ("/fanout/sync?n=2&ms=1", "/fanout/async?n=2&ms=1"):
        response = http.get(path)
        assert response.status_code == 502, response.text
        body = response.json()
        assert body["upstream"] == upstream
        assert str(body["error"]).startswith(error), body
        assert "failed" in str(body["detail"])
        bodies.append(body)
    return bodies


@pytest.mark.slow
def test_unreachable_upstream_is_502_naming_it(tmp_path: Path) -> None:
    port = free_port()
    upstream = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    bind, url = ["--port", str(port)], f"http://127.0.0.1:{port}"
    env = {"LAB_UPSTREAM_URL": upstream}
    with Uvicorn(bind, url, tmp_path / "log", env=env) as server, server.client() as http:
        _assert_bad_gateway(http, upstream, "ConnectError: ")


@pytest.mark.slow
def test_upstream_answering_non_2xx_is_502(tmp_path: Path) -> None:
    port = free_port()
    upstream = f"http://127.0.0.1:{port}/missing"  # the server itself, a path it does not serve: 404
    bind, url = ["--port", str(port)], f"http://127.0.0.1:{port}"
    env = {"LAB_UPSTREAM_URL": upstream + "/"}
    with Uvicorn(bind, url, tmp_path / "log", env=env) as server, server.client() as http:
        for body in _assert_bad_gateway(http, upstream, "HTTPStatusError: "):
            assert "404" in str(body["error"])
        assert total(url, "http_requests_total", handler="/fanout/sync", status="5xx") == 1


@pytest.mark.slow
def test_unix_socket_without_upstream_url_is_502_saying_so(tmp_path: Path) -> None:
    path = str(tmp_path / "lab.sock")
    with (
        Uvicorn(["--uds", path], "http://lab", tmp_path / "log", uds=path) as server,
        server.client() as http,
    ):
        for body in _assert_bad_gateway(http, None, "NoUpstream: "):
            assert path in str(body["error"]) and "LAB_UPSTREAM_URL" in str(body["error"])


@pytest.mark.parametrize(
    ("server", "upstream"),
    [
        (("127.0.0.1", 8123), "http://127.0.0.1:8123"),
        (("0.0.0.0", "8123"), "http://127.0.0.1:8123"),  # granian: its bind address, the port as a string
        (("::", 9), "http://[::1]:9"),
        (("::1", 9), "http://[::1]:9"),
        (("10.1.2.3", 80), "http://10.1.2.3:80"),
    ],
)
def test_own_address_from_the_bound_socket(server: Sequence[object], upstream: str) -> None:
    assert own_address(server) == upstream


@pytest.mark.parametrize("server", [None, ("/run/lab.sock", None)])
def test_no_tcp_address_is_no_upstream(server: Sequence[object] | None) -> None:
    with pytest.raises(NoUpstream, match="LAB_UPSTREAM_URL"):
        own_address(server)


@pytest.mark.parametrize(
    ("value", "upstream"),
    [("", None), ("http://127.0.0.1:8123", "http://127.0.0.1:8123"), ("http://h:1/base/", "http://h:1/base")],
)
def test_upstream_url_setting(value: str, upstream: str | None) -> None:
    assert AppSettings(upstream_url=value).upstream_url == upstream


@pytest.mark.parametrize("value", ["127.0.0.1:8000", "ftp://h", "http://h:port", "http://h:1/?x=1"])
def test_upstream_url_that_is_not_one_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="upstream_url"):
        AppSettings(upstream_url=value)
