"""A Locust started ahead of its test: a Locust plugin, loaded by `import lab.loadgen.gate` (lab_plugin does).

A Locust process spends one to two seconds of a busy 2-core machine starting (a fresh interpreter
importing gevent, Locust, the locustfile and the plugins) before its headless test starts, and the lab
runs two or more of them per cell (warm-up, measured run, calibration). The lab starts the next one while
the server starts, or while the warm-up runs, with `--lab-start-gate PATH` (env LAB_START_GATE): once
started, it creates PATH.ready and waits, sending nothing and using no CPU, until the file PATH exists
(lab.shared.gate). The lab creates it when the run is due and, if PATH.ready is there, wakes the process
with SIGUSR1 (lab.runtime.headless), so the start-up is off the cell's critical path and nothing of the
measured run changes: the test (users, `--run-time`, the exporter's window) starts when the gate opens.

The handler is set before PATH.ready exists, and PATH is looked at after: a lab that sees PATH.ready may
signal, and one that does not has created PATH before the plugin looks. GATE_CHECK_S bounds any wait the
signal does not end. Only the process that starts the test waits (a local runner or a master: its
workers follow it); the web UI starts no test at `init`, so the option is for headless runs. A gate never
opened stops Locust after GATE_MAX_S (the lab opens it within seconds, or stops the process).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from locust import events
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import WorkerRunner

from lab.shared.gate import OPEN_SIGNAL, ready_marker

GATE_CHECK_S = 0.5
GATE_MAX_S = 900.0


class GateError(RuntimeError):
    """The gate was not opened in time."""


@events.init_command_line_parser.add_listener
def _add_arguments(parser: LocustArgumentParser, **_kwargs: Any) -> None:
    parser.add_argument(
        "--lab-start-gate", default="", env_var="LAB_START_GATE", include_in_web_ui=False,
        help="Headless: once started, create FILE.ready and start the test only when FILE exists (the lab "
        "starts Locust ahead of its run).",
    )  # fmt: skip


def wait_for(gate: Path, max_s: float = GATE_MAX_S) -> None:
    """Say it is ready (`gate`.ready), then wait until `gate` exists, woken by OPEN_SIGNAL (gevent keeps
    running meanwhile: a master answers its workers); GateError after `max_s` seconds."""
    opened = Event()
    # Kept for the process's life: stopping it would give the signal its default action (exit) back.
    gevent.signal_handler(OPEN_SIGNAL, opened.set)
    ready_marker(gate).touch()
    deadline = time.monotonic() + max_s
    while not gate.exists():
        if time.monotonic() > deadline:
            raise GateError(f"--lab-start-gate {gate}: not opened within {max_s:.0f} s")
        opened.wait(GATE_CHECK_S)
        opened.clear()


@events.init.add_listener
def _on_init(environment: Environment, **_kw: Any) -> None:
    gate = getattr(environment.parsed_options, "lab_start_gate", "")
    if not gate or isinstance(environment.runner, WorkerRunner):
        return
    wait_for(Path(gate))
    # The run's timer counts from the loop's cached time (lab.loadgen.clock): fresh, after the wait.
    gevent.get_hub().loop.update_now()
