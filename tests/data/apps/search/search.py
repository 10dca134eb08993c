"""A tiny search service: documents scored in pure Python, inline in `async def` handlers."""

import random
import re
from collections import Counter

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="search")

WORDS = [f"w{i}" for i in range(500)]
_rng = random.Random(3)
DOCS = [" ".join(_rng.choices(WORDS, k=60)) for _ in range(300)]
TOKEN = re.compile(r"\w+")


class Hit(BaseModel):
    doc: int
    score: float


@app.get("/search", response_model=list[Hit])
async def search(q: str, k: int = 10):
    """The k documents that best match q (term frequency, counted on every call)."""
    terms = TOKEN.findall(q.lower())
    scored = []
    for i, text in enumerate(DOCS):
        counts = Counter(TOKEN.findall(text))
        score = sum(counts[t] for t in terms) / (1 + len(counts))
        if score:
            scored.append(Hit(doc=i, score=score))
    scored.sort(key=lambda h: h.score, reverse=True)
    return scored[:k]
