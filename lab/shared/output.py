"""How the lab writes what it measured: a number as a table shows it, a file in one step."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` in one step: a reader never sees half a file, a crash never leaves one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
