"""A framework-free ASGI app answering any path (like uvicorn's hello world, it only speaks HTTP)."""

import asyncio
import json


async def app(scope, receive, send):
    assert scope["type"] == "http"
    if scope["path"].startswith("/api/"):
        await asyncio.sleep(0.005)
    body = json.dumps({"method": scope["method"], "path": scope["path"]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
