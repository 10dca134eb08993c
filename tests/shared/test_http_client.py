"""lab.shared.http_client: one client for the lab's reads, no connection kept between them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lab.shared import http_client


class _Peers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive allowed: the client, not the server, must close
    seen: list[int] = []

    def do_GET(self) -> None:
        _Peers.seen.append(self.client_address[1])
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Peers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/metrics"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_reads_share_one_client_and_each_opens_its_own_connection(server: str) -> None:
    _Peers.seen.clear()
    assert http_client.client() is http_client.client()
    for _ in range(3):
        assert http_client.get(server, timeout=5).text == "ok"
    assert len(_Peers.seen) == 3 and len(set(_Peers.seen)) == 3  # three source ports: nothing kept alive
