"""An import service: CSV files posted as the request body, parsed and summarised in an `async def`."""

import csv
import io

from fastapi import FastAPI, Request

app = FastAPI(title="uploads")


@app.post("/imports")
async def imports(request: Request):
    text = (await request.body()).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    total = sum(float(r["amount"]) for r in rows)
    by_region: dict[str, float] = {}
    for r in rows:
        by_region[r["region"]] = by_region.get(r["region"], 0.0) + float(r["amount"])
    return {"rows": len(rows), "total": round(total, 2), "regions": by_region}
