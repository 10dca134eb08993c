"""A thumbnail's pixels computed in pure Python (a box blur over a generated image), in `def` handlers:
the CPU binds, one core per process (the GIL), so the workers are what helps."""

from fastapi import FastAPI

app = FastAPI()
SIZE = 48  # pixels a side


def blurred(seed: int) -> int:
    image = [[(x * 31 + y * 17 + seed) % 256 for x in range(SIZE)] for y in range(SIZE)]
    total = 0
    for y in range(1, SIZE - 1):
        for x in range(1, SIZE - 1):
            total += sum(image[y + dy][x + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)) // 9
    return total


@app.get("/thumbnail/{seed}")
def thumbnail(seed: int) -> dict[str, int]:
    return {"checksum": blurred(seed)}
