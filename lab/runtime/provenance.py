"""Where a run happened: the commit, the versions of what was measured, and a free loopback port."""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import subprocess
from pathlib import Path

PACKAGES = ("fastapi", "starlette", "anyio", "uvicorn", "gunicorn", "uvicorn-worker", "granian", "uvloop",
            "httptools", "locust", "prometheus-client", "prometheus-fastapi-instrumentator")  # fmt: skip


def git_commit() -> str | None:
    """The lab's commit (+dirty), when it runs from a checkout; None for an installed copy, whose
    site-packages may sit inside some other repository whose commit would say nothing about the lab."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()  # fmt: skip
        return commit + ("+dirty" if dirty else "")
    return None


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    return found
