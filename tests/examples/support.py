"""Serving an app the way its users do (plain `uvicorn MODULE:ATTR --app-dir DIR`) and loading it with plain
Locust: no launcher, no lab plugin, nothing of the lab inside either process.

Locust runs as a subprocess (importing it here would monkey-patch the test process with gevent).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from lab.runtime.procs import Child
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


class AppServer(Child):
    """`python -m uvicorn APP --app-dir DIR` on a free loopback port; ready once `ready(url)` is true."""

    what = "uvicorn"

    def __init__(
        self,
        app: str,
        app_dir: Path,
        log: Path,
        *,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        ready: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(log)
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.command = [
            sys.executable, "-m", "uvicorn", app, "--app-dir", str(app_dir),
            "--host", "127.0.0.1", "--port", port, "--no-access-log", *args,
        ]  # fmt: skip
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")} | (env or {})
        self.ready = ready or (lambda url: httpx.get(url, timeout=2).status_code < 500)

    def start(self) -> None:
        self.spawn(self.command, env=self.env)
        try:
            self.wait_until(lambda: self.ready(self.url), 60, RuntimeError, self.url)
        except BaseException:
            self.stop()
            raise


@dataclass
class PlainLocust:
    returncode: int
    log: str
    stats: list[dict[str, Any]]  # Locust's --json-file, one entry per (name, method)

    def names(self) -> set[str]:
        return {entry["name"] for entry in self.stats}

    def requests(self) -> int:
        return sum(int(entry["num_requests"]) for entry in self.stats)

    def failures(self) -> int:
        return sum(int(entry["num_failures"]) for entry in self.stats)


def run_plain_locust(
    locustfile: Path,
    host: str,
    out_dir: Path,
    *,
    users: int,
    run_time: int = 3,
    classes: Sequence[str] = (),
    timeout: float = 60,
) -> PlainLocust:
    """`locust -f FILE --headless` as a user types it, bounded by `--run-time` and by `timeout`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "locust", "-f", str(locustfile), *classes, "--headless",
        "-u", str(users), "-r", str(users), "--run-time", f"{run_time}s", "--stop-timeout", "5",
        "--host", host, "--json-file", str(out_dir / "stats"),
    ]  # fmt: skip
    log_path = out_dir / "locust.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=out_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        code: int | None = None
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:  # nothing of the run outlives it, whichever way it ended
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    if code is None:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise AssertionError(f"locust did not end within {timeout} s:\n{tail}")
    stats = out_dir / "stats.json"
    return PlainLocust(
        returncode=code,
        log=log_path.read_text(errors="replace"),
        stats=json.loads(stats.read_text()) if stats.exists() else [],
    )
