"""A real PostgreSQL started and stopped by the lab: it answers queries, runs as a non-root user, and leaves
no process, no port and no directory behind; LAB_DATABASE_URL starts nothing; a missing binary is a clear
error."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psutil
import psycopg
import pytest

from lab.runtime.postgres import BINDIR_ENV, DATABASE_URL_ENV, Postgres, PostgresError, database


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_postgres_starts_answers_and_leaves_nothing(tmp_path: Path) -> None:
    with Postgres(log=tmp_path / "pg.log") as postgres:
        tree = postgres.tree()
        directory = postgres.directory
        assert directory is not None and directory.is_dir()
        with psycopg.connect(postgres.url) as conn:
            conn.execute("SELECT pg_sleep(0.01)")
            row = conn.execute("SELECT current_user, 1 + 1").fetchone()
        assert row == ("lab", 2)
        assert postgres.process is not None
        # As root, it runs as `postgres` (PostgreSQL refuses root).
        assert psutil.Process(postgres.process.pid).username() != "root"
        port = postgres.port
    assert not [pid for pid in tree if _running(pid)]
    assert _port_free(port)
    assert not directory.exists()


def test_database_uses_an_existing_url_and_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://someone@127.0.0.1:1/db")
    with database(needed=True) as url:  # nothing listens at port 1: it was not started, nor checked
        assert url == "postgresql://someone@127.0.0.1:1/db"


def test_database_not_needed_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    with database(needed=False) as url:
        assert url is None


def test_missing_postgres_names_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BINDIR_ENV, str(tmp_path))
    with pytest.raises(PostgresError) as error:
        Postgres().start()
    message = str(error.value)
    assert f"{BINDIR_ENV}={tmp_path}" in message
    assert "apt-get install postgresql" in message and DATABASE_URL_ENV in message
    assert not os.listdir(tmp_path)
