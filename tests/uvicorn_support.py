"""The app under plain `uvicorn --factory lab.server.app:create_app`, as a user runs it.

No launcher, no LAB_*."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from lab.runtime.procs import Child, die_with_parent


class Uvicorn(Child):
    """One uvicorn process bound as `bind` says (`--port N`, `--uds PATH`, `--fd N`), reached at `url`."""

    what = "uvicorn"

    def __init__(
        self,
        bind: Sequence[str],
        url: str,
        log: Path,
        *,
        env: Mapping[str, str] | None = None,
        pass_fds: Sequence[int] = (),
        uds: str | None = None,
    ) -> None:
        super().__init__(log)
        self.bind = list(bind)
        self.url = url
        self.env = dict(env or {})
        self.pass_fds = tuple(pass_fds)
        self.uds = uds

    def client(self, timeout: float = 10) -> httpx.Client:
        """A client for this server (over its unix socket when it has one)."""
        transport = httpx.HTTPTransport(uds=self.uds) if self.uds else None
        return httpx.Client(base_url=self.url, transport=transport, timeout=timeout)

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(LAB_PROCESS_POOL="1", **self.env)
        command = [sys.executable, "-m", "uvicorn", "--factory", "lab.server.app:create_app", *self.bind]
        assert self.log is not None
        self._log_handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [*command, "--no-access-log"],
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
            pass_fds=self.pass_fds,
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
        )
        try:
            with self.client() as http:
                self.wait_until(
                    lambda: self._listening() and http.get("/health").is_success, 60, RuntimeError, self.url
                )
        except BaseException:
            self.stop()
            raise

    def _listening(self) -> bool:
        # httpcore leaks the socket of a failed unix-socket connect (a ResourceWarning, an error here).
        if self.uds:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.connect(self.uds)
        return True
