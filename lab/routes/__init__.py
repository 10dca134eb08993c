"""The endpoint catalogue, one router per concern.

Every route says `response_model=None`: a response model (FastAPI infers one from a return annotation)
makes a `def` endpoint take a second trip through the thread pool to validate its result, and under a
saturated pool that second trip queues behind every waiting request (anyio's limiter is FIFO), so all
responses come out at the end of the queue. The catalogue shows the canonical forms, without that.
"""

from __future__ import annotations
