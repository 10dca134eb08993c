"""What a user's locustfile holds, asked of Locust in a process of its own (`python -m lab.loadgen.inspect`).

The orchestrator never imports Locust (gevent would patch it) nor the user's file (its code would run
here): a child process loads the file with Locust's own loader and reports its User classes as JSON.
Every problem is a `LocustfileError` whose message says what to fix; the command line exits 2 on it,
before any server starts (issue 11 §6).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from lab.runtime.procs import Child
from lab.shared.scenarios import UserClassInfo

INSPECT_TIMEOUT_S = 60.0  # importing Locust takes a second or two; the user's imports may take more


class LocustfileError(ValueError):
    """The locustfile cannot give the lab scenarios; the message says why."""


def user_classes(locustfile: str | Path, timeout: float = INSPECT_TIMEOUT_S) -> list[UserClassInfo]:
    """The concrete User classes of `locustfile`, as Locust loads them; LocustfileError if there are none,
    if it does not import, or if it holds a load shape (Locust would follow it, not the lab's users)."""
    classes, shapes = contents(locustfile, timeout)
    if shapes:
        raise LocustfileError(
            f"locustfile {locustfile} defines the load shape {', '.join(shapes)}: Locust would follow it "
            "instead of the lab's users and duration; move it to a file of its own (lab run follows it)"
        )
    return classes


def contents(
    locustfile: str | Path, timeout: float = INSPECT_TIMEOUT_S
) -> tuple[list[UserClassInfo], list[str]]:
    """The concrete User classes of `locustfile` and the names of its load shapes; LocustfileError if it
    has no User class or does not import."""
    path = Path(locustfile).resolve()
    if "," in str(path):
        raise LocustfileError(f"locustfile {locustfile}: Locust splits -f at commas; rename the path")
    with tempfile.TemporaryDirectory(prefix="lab-inspect-") as tmp:
        out, log = Path(tmp) / "classes.json", Path(tmp) / "inspect.log"
        child = Child(log)
        child.what = "python -m lab.loadgen.inspect"
        child.spawn([sys.executable, "-m", "lab.loadgen.inspect", str(path), "--out", str(out)])
        try:
            deadline = time.monotonic() + timeout
            while child.alive():
                if time.monotonic() > deadline:
                    raise LocustfileError(f"locustfile {locustfile}: not loaded within {timeout:.0f} s")
                time.sleep(0.05)
        finally:
            child.stop()
        if not out.exists():
            text = log.read_text(errors="replace").strip()
            errors = [line for line in text.splitlines() if line.startswith("error: ")]
            # inspect's own message and what follows it (an import error's tail); else the whole output
            message = text[text.index(errors[-1]) + len("error: ") :] if errors else text
            raise LocustfileError(message or f"locustfile {locustfile}: inspecting it failed with no output")
        found = json.loads(out.read_text())
    classes = [UserClassInfo(**{**c, "tasks": tuple(c["tasks"])}) for c in found["users"]]
    return classes, [str(name) for name in found["shapes"]]
