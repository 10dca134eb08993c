"""Reading `lab up`'s banner in tests: the URLs it prints, until "Ctrl-C stops all of it."."""

from __future__ import annotations

import subprocess
import time


def read_banner(
    process: subprocess.Popen[str], lines: list[str], urls: dict[str, str], timeout_s: float = 120.0
) -> None:
    """Append `process`'s stdout lines to `lines` and each "  name  url" line to `urls` until the banner
    ends, the process exits or `timeout_s` passes (the caller asserts what it needs)."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line.rstrip("\n"))
        if line.startswith("  "):
            name, _, rest = line.strip().partition("  ")
            urls[name] = rest.strip().split("  ")[0]
        if line.startswith("Ctrl-C stops all of it.") or (not line and process.poll() is not None):
            return
