"""Check the app under test in a process of its own before any server starts (`lab.server.appcheck`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from lab.shared.target import AppInfo, AppTarget, TargetError

TIMEOUT_S = 60.0


def inspect_app(
    target: AppTarget, env: dict[str, str] | None = None, timeout_s: float = TIMEOUT_S
) -> AppInfo:
    """What the app routes, and how; TargetError (the check's own message) if it cannot be served."""
    with tempfile.TemporaryDirectory(prefix="lab-appcheck-") as tmp:
        out = Path(tmp) / "app.json"
        command = [sys.executable, "-m", "lab.server.appcheck", json.dumps(asdict(target)), str(out)]
        try:
            done = subprocess.run(
                command, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                timeout=timeout_s, stdin=subprocess.DEVNULL, cwd=target.app_dir or None,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise TargetError(f"--app {target.app}: importing it took more than {timeout_s:.0f} s") from None
        if done.returncode != 0 or not out.exists():
            message = done.stderr.strip() or f"the check exited with code {done.returncode}"
            if done.returncode != 2:  # not our own refusal: a crash of the import itself
                message = f"--app {target.app}: the app could not be loaded:\n{_tail(message)}"
            raise TargetError(message)
        return AppInfo.from_dict(json.loads(out.read_text()))


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:])
