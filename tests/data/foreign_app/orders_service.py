"""An orders service: Starlette outside, a FastAPI API mounted inside, built by `make()`."""

import asyncio
import os
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route


def _log(event):
    path = os.environ.get("FOREIGN_LIFESPAN_LOG")
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, f"{event} {os.getpid()}\n".encode())
        os.close(fd)


@asynccontextmanager
async def lifespan(app):
    app.state.orders_served = 0
    _log("startup")
    yield
    _log("shutdown")


async def ping(request: Request) -> JSONResponse:
    return JSONResponse({"pong": True})


def customer(request: Request) -> JSONResponse:
    time.sleep(0.002)  # a blocking lookup, in Starlette's thread pool
    return JSONResponse({"name": request.path_params["name"]})


def make() -> Starlette:
    api = FastAPI(title="orders api")

    @api.get("/orders/{order_id}")
    def order(order_id: int) -> dict:
        time.sleep(0.005)
        return {"order_id": order_id, "status": "shipped"}

    @api.get("/orders/{order_id}/lines/{line_no}")
    async def line(order_id: int, line_no: int) -> dict:
        await asyncio.sleep(0.005)
        return {"order_id": order_id, "line_no": line_no, "sku": f"SKU-{order_id * 10 + line_no}"}

    routes = [
        Route("/ping", ping),
        Route("/customers/{name}", customer),
        Mount("/api/v1", app=api),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
