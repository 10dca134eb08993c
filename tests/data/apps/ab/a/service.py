"""Version A of a tiny service for `lab ab` (issue 22): /same and /work burn a fixed amount of CPU."""

from fastapi import FastAPI

app = FastAPI()

SAME = 20_000  # loop iterations of /same: the same in both versions
WORK = 20_000  # loop iterations of /work: version B's handler does 30% more


def burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


@app.get("/same")
async def same() -> dict[str, int]:
    """Fixed CPU work, unchanged between the versions."""
    return {"total": burn(SAME)}


@app.get("/work")
async def work() -> dict[str, int]:
    """Fixed CPU work: the handler version B slows down."""
    return {"total": burn(WORK)}
