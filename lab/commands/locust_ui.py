"""`lab up`'s Locust: its web UI with the class picker, its /metrics, and its own HTTP API (POST /swarm).

Locust runs as a child process: importing it here would monkey-patch the orchestrator with gevent. With the
lab's locustfiles (the default) every scenario of locustfiles/ is on offer and one harmless class starts
ticked (lab.loadgen.users). With a user's locustfile, Locust loads `-f FILE,lab/loadgen/lab_plugin.py`:
the user's classes in the picker (Locust's own default ticks), the lab's exporter beside them, and no
import of the lab in the user's file (issue 11 §3).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

from lab.commands.up_resources import HOST
from lab.runtime.procs import Child

# The class the web UI's picker starts with ticked: cheap, and harmless to the server (never the loop
# blocker IoBlockingUser, which every test would otherwise include: Locust ticks every class).
DEFAULT_USER_CLASS = "IoAsyncUser"


class SwarmAnswer(TypedDict, total=False):
    """Locust's answer to POST /swarm."""

    success: bool
    message: str
    host: str


class LocustError(RuntimeError):
    """The Locust web UI could not be started; the message says why."""


class LocustUI(Child):
    """Locust with its web UI and class picker, and its /metrics: the lab's scenarios (locustfile None) or
    the User classes of a user's locustfile."""

    def __init__(
        self,
        target: str,
        *,
        web_port: int,
        metrics_port: int,
        lab_config: str,
        user_classes: Sequence[str] | None = None,
        locustfile: Path | None = None,
        log: Path | None = None,
        ready_timeout: float = 60.0,
    ) -> None:
        super().__init__(log)
        self.what = "the Locust web UI"
        self.target = target
        self.web_port = web_port
        self.metrics_port = metrics_port
        self.lab_config = lab_config
        self.locustfile = locustfile
        # Ticked in the picker at start; any class can be chosen. A user's file: Locust's default.
        default = (DEFAULT_USER_CLASS,) if locustfile is None else ()
        self.user_classes = list(default if user_classes is None else user_classes)
        self.ready_timeout = ready_timeout

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"

    def locustfiles(self) -> str:
        """Locust's -f: the lab's locustfiles/ (they load the exporter themselves), or FILE,lab_plugin.py."""
        from lab.shared.scenarios import EXPORTER_PLUGIN, LOCUSTFILES

        if self.locustfile is None:
            return str(LOCUSTFILES)
        return f"{self.locustfile},{EXPORTER_PLUGIN}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "locust", "-f", self.locustfiles(), "--class-picker",
            "--host", self.target, "--web-host", HOST, "--web-port", str(self.web_port),
            "--metrics-host", HOST, "--metrics-port", str(self.metrics_port), "--lab-config", self.lab_config,
            *self.user_classes,
        ]  # fmt: skip

    def start(self) -> None:
        import httpx

        self.spawn(self.command())

        def ready() -> bool:
            return (
                httpx.get(self.url, timeout=2).status_code == 200
                and httpx.get(self.metrics_url, timeout=2).status_code == 200
            )

        try:
            self.wait_until(ready, self.ready_timeout, LocustError, self.url)
        except BaseException:
            self.stop()
            raise

    # Locust's own HTTP API, as the web UI uses it.

    def swarm(
        self, users: int, spawn_rate: float, user_classes: Sequence[str], **options: Any
    ) -> SwarmAnswer:
        """POST /swarm: start (or change) a test; `options` are Locust's, e.g. run_time="5s", io_ms=20."""
        import httpx

        form = {"user_count": users, "spawn_rate": spawn_rate, "user_classes": list(user_classes), **options}
        response = httpx.post(f"{self.url}/swarm", data=form, timeout=10)
        response.raise_for_status()
        result: SwarmAnswer = response.json()
        if not result.get("success"):
            raise LocustError(f"/swarm refused: {result.get('message')}")
        return result

    def stop_test(self) -> None:
        """POST /stop, as the web UI's Stop button."""
        import httpx

        httpx.post(f"{self.url}/stop", timeout=10).raise_for_status()

    def state(self) -> str:
        """ "ready", "spawning", "running", "stopped", ... (from /stats/requests)."""
        import httpx

        return str(httpx.get(f"{self.url}/stats/requests", timeout=10).json()["state"])
