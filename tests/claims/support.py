"""A minimal valid claims file, and ways to break it."""

from __future__ import annotations

from pathlib import Path

VALID = """
[[claim]]
id = 6
quote = "Concurrent upstream calls with `asyncio.gather` take as long as the slowest call, not the sum."
source = "Sync vs Async in FastAPI"
passage = "the two requests `run in parallel`."
evidence = "gather {gather.ms:.0f} ms, one call {one.ms:.0f} ms ({gather.ms / one.ms:.2f}x)."
condition = "Sequential calls take the sum."

[claim.experiment]
kind = "timing"
paths = { one = "/io/async?ms=100", gather = "/fanout/async?n=3&ms=100" }
repeats = 1

[claim.rule]
holds_if = [{ measure = "gather.ms / one.ms", at_most = 1.5 }]
"""


def write(tmp_path: Path, text: str = VALID, old: str = "", new: str = "") -> Path:
    """VALID (or `text`) with `old` replaced by `new`, written to a file."""
    if old:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    return path
