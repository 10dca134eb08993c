"""The endpoint catalogue, one router per concern.

Every route but one says `response_model=None`: a response model (FastAPI infers one from a return
annotation) makes a `def` endpoint take a second trip through the thread pool to validate its result.
anyio's limiter is FIFO, so when a burst outnumbers the tokens that second trip waits behind every queued
request, and the whole burst answers at once. `/io/sync-model` keeps its model to show exactly that.
"""

from __future__ import annotations
