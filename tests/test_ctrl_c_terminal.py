"""Ctrl-C typed into a real terminal (tmux, a pty): the lab stops, says so, and leaves no process behind.

A background job of a non-interactive shell ignores SIGINT, so `kill -INT` from a test proves little; here
the terminal's line discipline turns the keystroke into SIGINT for the whole foreground process group, as
it does for a person at the keyboard.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


class Terminal:
    """One tmux session on a private server: type into it, read its screen."""

    def __init__(self) -> None:
        self.socket = f"lab-test-{uuid.uuid4().hex[:8]}"

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30, check=True
        )
        return done.stdout

    def start(self, command: str, exit_file: Path) -> None:
        shell = f"cd {shlex.quote(str(REPO))} && {command}; echo $? > {shlex.quote(str(exit_file))}; sleep 60"
        self.tmux("new-session", "-d", "-x", "200", "-y", "50", "bash", "-c", shell)

    def pane_pid(self) -> int:
        return int(self.tmux("display-message", "-p", "#{pane_pid}").strip())

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-S", "-200")

    def ctrl_c(self) -> None:
        self.tmux("send-keys", "C-c")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal()
    try:
        yield term
    finally:
        term.close()


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _descendants(pid: int) -> set[int]:
    return {p.pid for p in psutil.Process(pid).children(recursive=True)}


def _alive(pids: set[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def _cmdline(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return ""


def _lab(*args: str) -> str:
    return shlex.join([sys.executable, "-m", "lab", *args])


def test_ctrl_c_stops_lab_serve_and_its_workers(terminal: Terminal, tmp_path: Path) -> None:
    exit_file = tmp_path / "exit"
    port = free_port()
    terminal.start(_lab("serve", "gunicorn-multi", "--port", str(port), "--set", "workers=2"), exit_file)
    _wait(lambda: f"127.0.0.1:{port}" in terminal.screen(), 60, "the server's URL on the screen")
    tree = _descendants(terminal.pane_pid())
    assert len(tree) >= 4  # bash -c's child: lab, the gunicorn master and its two workers at least

    terminal.ctrl_c()

    _wait(exit_file.exists, 30, "lab serve to exit")
    # Ctrl-C is how a foreground server is meant to stop (uvicorn's own convention): exit 0.
    assert exit_file.read_text().strip() == "0", terminal.screen()
    assert "stopping..." in terminal.screen()
    _wait(lambda: not _alive(tree), 20, f"every process to end: {_alive(tree)}")


def test_ctrl_c_stops_lab_compare_and_keeps_the_cells_done(terminal: Terminal, tmp_path: Path) -> None:
    exit_file, out = tmp_path / "exit", tmp_path / "run"
    terminal.start(
        _lab(
            "compare", "--out", str(out), "--configs", "uvicorn-single", "--scenarios", "io-async,io-sync",
            "--users", "10", "--duration", "3s", "--warmup", "0", "--calibrate", "0",
        ),
        exit_file,
    )  # fmt: skip
    # No warm-up: nothing here is measured. 3 s: the second cell's Locust must still be running when the
    # keystroke comes (found by polling, then typed).
    _wait(lambda: "io-sync" in terminal.screen(), 120, "the second cell to start")

    def locust_running() -> bool:  # inside the second cell: its server and a Locust run
        return any("locust" in _cmdline(p) for p in _alive(_descendants(terminal.pane_pid())))

    _wait(locust_running, 60, "a Locust run in the second cell")
    tree = _descendants(terminal.pane_pid())

    terminal.ctrl_c()

    _wait(exit_file.exists, 60, "lab compare to exit")
    assert exit_file.read_text().strip() == "130", terminal.screen()
    _wait(lambda: not _alive(tree), 20, f"every process to end: {_alive(tree)}")
    summary = (out / "summary.json").read_text()
    assert '"interrupted": true' in summary and '"scenario": "io-async"' in summary
    assert (out / "report.html").exists()


def test_ctrl_c_stops_both_sides_of_a_lab_ab_duet_and_keeps_the_rounds_done(
    terminal: Terminal, tmp_path: Path
) -> None:
    """The duet's sides run in child processes of their own process group: the terminal's Ctrl-C reaches
    `lab ab` only, which passes it on to both; each stops as `lab compare` does."""
    exit_file, out = tmp_path / "exit", tmp_path / "ab"
    apps = REPO / "tests" / "data" / "apps" / "ab"
    terminal.start(
        _lab(
            "ab", str(apps / "a"), str(apps / "a"), "--app", "service:app", "--locustfile",
            str(apps / "locustfile.py"), "--scenarios", "WorkUser", "--rounds", "3", "--duration", "2s",
            "--warmup", "0", "--users", "5", "--generator-processes", "1", "--out", str(out),
        ),
        exit_file,
    )  # fmt: skip
    _wait(lambda: "round 2 of 3" in terminal.screen(), 120, "the second round to start")

    def both_sending() -> bool:  # inside the second round: each side's Locust run (lab ab's own command
        # line names the locustfile too)
        return sum("--headless" in _cmdline(p) for p in _alive(_descendants(terminal.pane_pid()))) >= 2

    _wait(both_sending, 60, "both sides' Locust runs in the second round")
    tree = _descendants(terminal.pane_pid())

    terminal.ctrl_c()

    _wait(exit_file.exists, 60, "lab ab to exit")
    assert exit_file.read_text().strip() == "130", terminal.screen()
    _wait(lambda: not _alive(tree), 20, f"every process to end: {_alive(tree)}")
    found = json.loads((out / "ab.json").read_text())
    assert found["meta"]["interrupted"] and found["meta"]["mode"] == "duet"
    runs = [(r["round"], r["side"], r["ok"]) for r in found["runs"]]
    assert runs[:2] == [(1, "A", True), (1, "B", True)] and {r[:2] for r in runs[2:]} == {(2, "A"), (2, "B")}
    for side in "AB":
        summary = json.loads((out / "runs" / f"{side}2" / "summary.json").read_text())
        assert summary["meta"]["interrupted"], side
    assert (out / "report.html").exists()
