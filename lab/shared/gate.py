"""The start gate, shared by the Locust plugin that waits at it (`lab.loadgen.gate`) and the orchestrator
that opens it (`lab.runtime.headless`): Locust is given the gate's path; it creates the ready marker once
its start-up is over and it waits; the lab creates the gate to start its test, and signals a process that
waits (OPEN_SIGNAL) so that it starts at once."""

from __future__ import annotations

import signal
from pathlib import Path

OPEN_SIGNAL = signal.SIGUSR1


def ready_marker(gate: Path) -> Path:
    """The file a Locust started ahead creates when it waits at `gate`."""
    return gate.with_name(gate.name + ".ready")
