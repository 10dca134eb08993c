"""A real PostgreSQL for the lab's database scenarios, started as Prometheus is (issue 16).

`initdb` in a temporary directory, `postgres` on a free loopback port in its own process group, told by the
kernel to stop if the lab dies; stopped (fast shutdown) and its directory removed at exit. As root it runs
as the `postgres` user, since PostgreSQL refuses to run as root. `LAB_DATABASE_URL` names an existing
database instead: `database()` then starts nothing.

The data is disposable: no fsync, no unix socket, trust authentication on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lab.runtime.launcher import LaunchError, check_port
from lab.runtime.ports import free_port
from lab.runtime.procs import Child

DATABASE_URL_ENV = "LAB_DATABASE_URL"  # the servers read it (lab.server.settings.AppSettings.database_url)
BINDIR_ENV = "LAB_POSTGRES_BIN"  # a directory holding initdb and postgres
ROOT_USER = "postgres"  # who runs PostgreSQL when the lab runs as root
DB_USER = "lab"
MAX_CONNECTIONS = 400  # each server worker opens 2 x db_pool connections (a sync and an async pool)
_DEBIAN = "/usr/lib/postgresql/*/bin"


class PostgresError(RuntimeError):
    """PostgreSQL is missing, could not start, or could not be prepared; the message says why."""


def _has_binaries(directory: str) -> bool:
    return all(os.access(os.path.join(directory, b), os.X_OK) for b in ("initdb", "postgres"))


def _version(directory: str) -> tuple[int, ...]:
    found = re.search(r"/(\d+(?:\.\d+)*)/bin$", directory)
    return tuple(int(p) for p in found.group(1).split(".")) if found else ()


def find_bindir() -> str | None:
    """`$LAB_POSTGRES_BIN` when set (None if it lacks initdb or postgres), else the directory of `initdb`
    on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    explicit = os.environ.get(BINDIR_ENV)
    if explicit:
        return explicit if _has_binaries(explicit) else None
    on_path = shutil.which("initdb")
    if on_path and _has_binaries(os.path.dirname(on_path)):
        return os.path.dirname(on_path)
    candidates = sorted((d for d in glob.glob(_DEBIAN) if _has_binaries(d)), key=_version, reverse=True)
    return candidates[0] if candidates else None


def missing_reason() -> str:
    """What is missing and how to get it, for when find_bindir() returned None."""
    explicit = os.environ.get(BINDIR_ENV)
    where = (
        f"{BINDIR_ENV}={explicit} holds no initdb and postgres"
        if explicit
        else f"no initdb on PATH nor in {_DEBIAN}"
    )
    return (
        f"PostgreSQL not found ({where}); install it (Debian: apt-get install postgresql), set {BINDIR_ENV} "
        f"to the directory of initdb and postgres, or set {DATABASE_URL_ENV} to an existing database"
    )


def _run_as() -> str | None:
    """The account PostgreSQL runs as: ours, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(ROOT_USER)
    except KeyError:
        raise PostgresError(
            f"the lab runs as root and PostgreSQL refuses root, but there is no {ROOT_USER!r} user to run "
            f"it as; create one (Debian's postgresql package does) or set {DATABASE_URL_ENV}"
        ) from None
    return ROOT_USER


class Postgres(Child):
    """One PostgreSQL server: `with Postgres() as db: db.url` (postgresql://lab@127.0.0.1:PORT/postgres)."""

    what = "PostgreSQL"

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        bindir: str | None = None,
        log: Path | None = None,
        ready_timeout: float = 60.0,
    ) -> None:
        super().__init__(log)
        self.host = host
        self.port = port or free_port()
        self.bindir = bindir
        self.ready_timeout = ready_timeout
        self.directory: Path | None = None  # the temporary directory holding the data, removed at stop

    @property
    def url(self) -> str:
        return f"postgresql://{DB_USER}@{self.host}:{self.port}/postgres"

    def command(self, bindir: str, data: Path) -> list[str]:
        return [
            os.path.join(bindir, "postgres"), "-D", str(data), "-h", self.host, "-p", str(self.port),
            "-c", "unix_socket_directories=", "-c", f"max_connections={MAX_CONNECTIONS}",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ]  # fmt: skip

    def start(self) -> None:
        bindir = self.bindir or find_bindir()
        if bindir is None:
            raise PostgresError(missing_reason())
        user = _run_as()
        try:
            check_port(self.host, self.port)
        except LaunchError:
            raise PostgresError(f"port {self.port} on {self.host} is busy; choose another") from None
        self.directory = Path(tempfile.mkdtemp(prefix="lab-postgres-"))
        try:
            data = self._initdb(bindir, user)
            self.spawn(self.command(bindir, data), user=user)
            self.wait_until(self._accepts, self.ready_timeout, PostgresError, f"{self.host}:{self.port}")
        except BaseException:
            self.stop()
            raise

    def _initdb(self, bindir: str, user: str | None) -> Path:
        assert self.directory is not None
        if user is not None:
            account = pwd.getpwnam(user)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        data = self.directory / "data"
        command = [
            os.path.join(bindir, "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust",
            "--encoding=UTF8", "--no-sync", "--no-instructions",
        ]  # fmt: skip
        try:
            result = subprocess.run(
                command, user=user, group=pwd.getpwnam(user).pw_gid if user else None,
                extra_groups=[] if user else None, capture_output=True, text=True, timeout=120,
                stdin=subprocess.DEVNULL, cwd=self.directory,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise PostgresError(f"initdb did not finish within 120 s in {data}") from None
        if result.returncode != 0:
            tail = "\n    ".join((result.stderr or result.stdout).strip().splitlines()[-10:])
            raise PostgresError(f"initdb failed (exit {result.returncode}):\n    {tail}")
        return data

    def _accepts(self) -> bool:
        import psycopg  # the driver: what the servers will use to connect

        with psycopg.connect(self.url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True

    def stop(self, grace: float = 10.0) -> None:
        """Fast shutdown (SIGINT: clients disconnected, no wait for them), then the tree, then the data."""
        if self.process is not None and self.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        super().stop(grace)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


@contextlib.contextmanager
def database(needed: bool, *, log: Path | None = None) -> Iterator[str | None]:
    """The URL of the database servers should use: `$LAB_DATABASE_URL` when set, else a PostgreSQL
    started for the duration when `needed` (a database scenario is planned), else None."""
    explicit = os.environ.get(DATABASE_URL_ENV)
    if explicit:
        yield explicit
    elif not needed:
        yield None
    else:
        with Postgres(log=log) as postgres:
            yield postgres.url
