"""Several upstream calls per request: sequential with a sync client, concurrent with `asyncio.gather`.

The upstream is this lab's own `/io/async`: at `LAB_UPSTREAM_URL` when set (the launcher sets it), else at
the address of the socket this server is bound to. The request never chooses it: no Host header, no
parameter, so the endpoints cannot be turned into a proxy (SSRF). A failed upstream call answers 502.
n x ms, the upstream wait of a request, is bounded (lab.shared.scenarios.TOTAL_WAIT_MS_MAX): beyond, a 422.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lab.server.routes.params import FanoutMs, N, check_total_wait

UPSTREAM_PATH = "/io/async"
# A wildcard bind is not an address to connect to: call the loopback of the same family.
_WILDCARD = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}

_BAD_GATEWAY: dict[int | str, dict[str, Any]] = {
    502: {"description": "An upstream call failed, or this server has no TCP address to call itself on."}
}

router = APIRouter(prefix="/fanout", tags=["fanout"], responses=_BAD_GATEWAY)


class NoUpstream(Exception):
    """This server listens on no TCP port (unix socket) and `LAB_UPSTREAM_URL` is not set."""


def own_address(server: Sequence[object] | None) -> str:
    """`http://host:port` of the listening socket, from the ASGI scope's `server` entry.

    Both servers fill it from the socket, never from the request: uvicorn (and gunicorn's UvicornWorker,
    which runs uvicorn's protocols) with `getsockname()` on the accepted connection
    (`uvicorn.protocols.utils.get_local_addr`), an address this server is bound to; granian with its bind
    address, port as a string, `0.0.0.0` as such. A unix socket gives `(path, None)`.
    """
    if not server or len(server) != 2 or server[1] is None:
        where = f"unix socket {server[0]}" if server else "an unknown address"
        raise NoUpstream(f"this server listens on {where}, not on a TCP port: set LAB_UPSTREAM_URL")
    host = str(server[0])
    host = _WILDCARD.get(host, host)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{int(str(server[1]))}"


def _upstream(request: Request) -> str:
    configured: str | None = request.app.state.settings.upstream_url
    return configured or own_address(request.scope.get("server"))


def _bad_gateway(upstream: str | None, error: Exception) -> JSONResponse:
    where = f"upstream {upstream}{UPSTREAM_PATH}" if upstream else "upstream"
    body = {"detail": f"{where} failed", "upstream": upstream, "error": f"{type(error).__name__}: {error}"}
    return JSONResponse(body, status_code=502)


@router.get("/sync", response_model=None)
def fanout_sync(request: Request, n: N = 5, ms: FanoutMs = 50) -> dict[str, object] | JSONResponse:
    """`def` + `n` sequential calls with a pooled sync HTTP client: takes the sum of the calls."""
    check_total_wait(n, ms)
    client: httpx.Client = request.app.state.http_sync
    upstream = None
    try:
        upstream = _upstream(request)
        for _ in range(n):
            client.get(upstream + UPSTREAM_PATH, params={"ms": ms}).raise_for_status()
    except (httpx.HTTPError, NoUpstream) as exc:
        return _bad_gateway(upstream, exc)
    return {"kind": "fanout-sync", "n": n, "ms": ms}


@router.get("/async", response_model=None)
async def fanout_async(request: Request, n: N = 5, ms: FanoutMs = 50) -> dict[str, object] | JSONResponse:
    """`async def` + `asyncio.gather` over a pooled async client: takes as long as the slowest call."""
    check_total_wait(n, ms)
    client: httpx.AsyncClient = request.app.state.http_async
    upstream = None
    try:
        upstream = _upstream(request)
        calls = (client.get(upstream + UPSTREAM_PATH, params={"ms": ms}) for _ in range(n))
        # Every call finishes (or fails) before the answer: none is left running after a 502.
        for result in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
            result.raise_for_status()
    except (httpx.HTTPError, NoUpstream) as exc:
        return _bad_gateway(upstream, exc)
    return {"kind": "fanout-async", "n": n, "ms": ms}
