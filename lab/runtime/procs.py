"""Child processes the lab starts and must never leave behind: servers, Prometheus, Locust.

A `Child` runs in its own session (so Ctrl-C reaches only the lab, which then stops it), asks the kernel to
send it SIGTERM if the lab dies (PR_SET_PDEATHSIG), and is stopped with its whole process tree: SIGTERM to
the group, SIGKILL to whatever is left after a grace period, including descendants that left the group.
A process that has exited counts as stopped even before it is reaped (`dead`).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import psutil

from lab.shared.lifetime import die_with_parent

REAP_POLL_S = 0.02
# "RuntimeError: ...", "sqlite3.OperationalError: ...": the line a traceback ends with.
_EXCEPTION = re.compile(r"^\s*(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt): ")


def dead(process: psutil.Process) -> bool:
    """Gone, or a zombie: it has exited, only its parent has yet to reap it. A descendant orphaned by the
    server's exit is reaped by the system's init, which may take seconds (2 s on a Firecracker VM)."""
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def wait_dead(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Until every process of `processes` is `dead`, at most `timeout` seconds; those still alive."""
    deadline = time.monotonic() + timeout
    alive = [p for p in processes if not dead(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(REAP_POLL_S)
        alive = [p for p in alive if not dead(p)]
    return alive


class Child:
    """Base of the lab's child processes; subclasses define `start()` (spawn, then wait until ready)."""

    what = "process"
    # Without a log file: the output goes to the terminal (`lab serve`) rather than nowhere.
    inherit_output = False

    def __init__(self, log: Path | None = None) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None

    def spawn(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cpus: Sequence[int] | None = None,
        user: str | None = None,
    ) -> None:
        """Start `command` in its own session, output to the log file (else nowhere, or the terminal if
        `inherit_output`), pinned to `cpus`, as `user` when given (root only: PostgreSQL refuses root)."""
        pinned = list(cpus) if cpus else None
        # Popen switches user before preexec runs, so the death signal set there survives the switch.
        account = pwd.getpwnam(user) if user else None

        def preexec() -> None:
            if pinned and hasattr(os, "sched_setaffinity"):  # macOS cannot pin: lab.shared.cores says so
                os.sched_setaffinity(0, pinned)
            die_with_parent(signal.SIGTERM)

        if self.log is not None:
            self._log_handle = self.log.open("ab")
        output: IO[bytes] | int | None = self._log_handle
        if output is None and not self.inherit_output:
            output = subprocess.DEVNULL
        self.process = subprocess.Popen(
            list(command),
            env=dict(env) if env is not None else None,
            start_new_session=True,
            preexec_fn=preexec,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )

    def wait_until(
        self, ready: Callable[[], bool], timeout: float, error: Callable[[str], Exception], where: str
    ) -> None:
        """Poll `ready()` until it is true; `error(...)` if the process exits first or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                code = self.process.returncode if self.process else "?"
                raise error(f"{self.what} exited with code {code} during start-up{self.log_tail()}")
            with contextlib.suppress(Exception):  # a probe that fails means "not ready yet"
                if ready():
                    return
            if time.monotonic() > deadline:
                raise error(f"{self.what} did not answer on {where} within {timeout:.0f} s{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines: int = 15) -> str:
        """The log's last `lines`, led by the first exception line of the log when the tail misses it: a
        server's own shutdown traceback (gunicorn's "Worker failed to boot") can push the app's error out."""
        if self.log is None or not self.log.exists():
            return ""
        every = self.log.read_text(errors="replace").strip().splitlines()
        tail = every[-lines:]
        first = next((line for line in every if _EXCEPTION.match(line)), None)
        if first is not None and first not in tail:
            tail = [f"first error: {first.strip()}", "...", *tail]
        return ":\n    " + "\n    ".join(tail) if tail else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tree(self) -> list[int]:
        """pids of the process and all its descendants (empty once it has exited)."""
        if not self.alive():
            return []
        assert self.process is not None
        with contextlib.suppress(psutil.Error):
            main = psutil.Process(self.process.pid)
            return [main.pid, *(child.pid for child in main.children(recursive=True))]
        return []

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the whole group, SIGKILL to whatever is left (group or not) after `grace` seconds."""
        process, self.process = self.process, None
        if process is not None:
            tree: list[psutil.Process] = []
            with contextlib.suppress(psutil.Error):
                tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            survivors = wait_dead(tree, grace)
            for survivor in survivors:
                with contextlib.suppress(psutil.Error):
                    survivor.kill()
            wait_dead(survivors, 5)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def start(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
