"""An app the lab never wrapped: plain FastAPI with prometheus-fastapi-instrumentator's metrics, served by
plain uvicorn, for `lab run --metrics-url` (issue 24): the two endpoints tests/data/shaped requests.

    uvicorn app:app --app-dir tests/data/instrumented --port 8000
"""

from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

app = FastAPI()


@app.get("/noop/async")
async def noop_async() -> dict[str, str]:
    """Returns at once, on the event loop."""
    return {"kind": "noop-async"}


@app.get("/noop/sync")
def noop_sync() -> dict[str, str]:
    """Returns at once, in the thread pool."""
    return {"kind": "noop-sync"}


Instrumentator(should_instrument_requests_inprogress=True).instrument(app).expose(app)
