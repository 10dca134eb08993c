"""A CSV export service: a BaseHTTPMiddleware for request ids, rows streamed from an async generator."""

import asyncio
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from starlette.middleware.base import BaseHTTPMiddleware


class RequestId(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        response = await call_next(request)
        response.headers["x-request-id"] = uuid.uuid4().hex
        return response


app = FastAPI(title="exporter")
app.add_middleware(RequestId)


async def rows(n: int):
    yield "id,name,amount\n"
    for chunk in range(0, n, 100):
        await asyncio.sleep(0.002)  # the next page from the database
        page = range(chunk, min(n, chunk + 100))
        yield "".join(f"{i},customer {i},{i * 7 % 1000}.{i % 100:02d}\n" for i in page)


@app.get("/export")
async def export(n: int = 1000):
    return StreamingResponse(rows(n), media_type="text/csv")
