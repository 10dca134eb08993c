"""What one `lab up` owns, so that several can run at once: its ports and its Prometheus data directory.

A port flag left unset takes its default when it is free, else a free port the system picks (with a note
to print); a port set and busy is refused, naming the flag. The data directory is held with a lock for
as long as `lab up` runs: two Prometheus writing one directory would corrupt it (Debian's Prometheus
takes no lock of its own).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from lab.runtime.ports import free_port

# lab.runtime.launcher and lab.runtime.prom are imported where used: `lab --help` imports every command.
HOST = "127.0.0.1"
DEFAULT_DATA_DIR = Path(".lab") / "prometheus"
# flag -> (its default port, what listens on it)
PORTS = {
    "--port": (8000, "the app"),
    "--locust-port": (8089, "the Locust web UI"),
    "--locust-metrics-port": (9646, "Locust's /metrics"),
    "--prometheus-port": (9090, "Prometheus"),
}


def _free(port: int, host: str = HOST) -> bool:
    from lab.runtime.launcher import LaunchError, check_port

    try:
        check_port(host, port)
    except LaunchError:
        return False
    return True


def resolve_ports(given: dict[str, int | None], app_host: str = HOST) -> tuple[dict[str, int], list[str]]:
    """Each flag's port: as given (refused if out of range, repeated or busy), else its default if free,
    else a free one; and a note for each port moved off its default. The app's (--port) is checked on
    `app_host` (--server-host), the others on HOST."""
    from lab.runtime.launcher import LaunchError

    def free(flag: str, port: int) -> bool:
        return _free(port, app_host if flag == "--port" else HOST)

    chosen: dict[str, int] = {}
    for flag, port in given.items():
        if port is None:
            continue
        if not 0 < port < 65536:
            raise LaunchError(f"{flag} {port}: must be between 1 and 65535")
        if port in chosen.values():
            other = next(f for f, p in chosen.items() if p == port)
            raise LaunchError(f"{flag} and {other} are both {port}: each part needs its own port")
        if not free(flag, port):
            host = app_host if flag == "--port" else HOST
            raise LaunchError(f"{flag} {port}: the port is busy on {host}; choose another")
        chosen[flag] = port
    notes = []
    for flag, port in given.items():
        if port is not None:
            continue
        default, what = PORTS[flag]
        port = default
        while port in chosen.values() or not free(flag, port):
            port = free_port(HOST)
        if port != default:
            notes.append(f"{what} on port {port}: {default} is busy (set {flag} to choose)")
        chosen[flag] = port
    return {flag: chosen[flag] for flag in given}, notes


def claim_data_dir(given: Path | None) -> tuple[Path, IO[bytes], str | None]:
    """Prometheus' data directory, held by this `lab up` until the returned file is closed (two
    Prometheus on one directory would corrupt it); and a note if it is not the default."""
    from lab.runtime.launcher import LaunchError
    from lab.runtime.prom import lock_data_dir

    if given is not None:
        lock = lock_data_dir(given.resolve())
        if lock is None:
            raise LaunchError(f"--data-dir {given}: held by another `lab up`; choose another")
        return given.resolve(), lock, None
    for n in range(1, 100):
        path = DEFAULT_DATA_DIR.with_name(f"{DEFAULT_DATA_DIR.name}-{n}") if n > 1 else DEFAULT_DATA_DIR
        lock = lock_data_dir(path.resolve())
        if lock is not None:
            held = f"Prometheus data in {path}: {DEFAULT_DATA_DIR} is held by another `lab up`"
            return path.resolve(), lock, held if n > 1 else None
    raise LaunchError(f"{DEFAULT_DATA_DIR}-2 .. -99 are all held by other `lab up`s; set --data-dir")
