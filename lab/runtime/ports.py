"""A free TCP port for a server or an exporter the lab starts, outside the kernel's ephemeral range.

`bind(port 0)` hands out a port of the ephemeral range, the one outgoing connections take their local
ports from; between that check and the server's own bind, any connection on the machine may take it
(Locust's users open thousands). The suite once lost a Locust exporter's port that way: `Address already
in use` on a port picked a moment before. A port below or above the range is one no outgoing connection
is given; it is checked free with a bind, picked at random so that two callers rarely race for one.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL = (32768, 60999)  # Linux's default; macOS's (49152-65535) lies inside the span below
LOWEST = 20000  # below it, ports that services commonly use (5432, 8000, 9090, ...)
TRIES = 200


def ephemeral_range(text: str | None = None) -> tuple[int, int]:
    """The kernel's ephemeral range (`text`: the file's contents, read from RANGE_FILE when None)."""
    if text is None:
        try:
            text = RANGE_FILE.read_text()
        except OSError:
            return DEFAULT_EPHEMERAL
    try:
        low, high = (int(part) for part in text.split())
    except ValueError:
        return DEFAULT_EPHEMERAL
    return (low, high) if 0 < low <= high <= 65535 else DEFAULT_EPHEMERAL


def candidates(ephemeral: tuple[int, int]) -> list[range]:
    """The spans outside `ephemeral`, from LOWEST up (empty where the range covers them all)."""
    low, high = ephemeral
    spans = [range(LOWEST, min(low, 65536)), range(max(high + 1, LOWEST), 65536)]
    return [span for span in spans if len(span) > 0]


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", ephemeral: tuple[int, int] | None = None) -> int:
    """A port nothing is bound to on `host`, outside the ephemeral range where one is free (see the
    module); else one the kernel hands out."""
    spans = candidates(ephemeral or ephemeral_range())
    if spans:
        rng = random.SystemRandom()
        weights = [len(span) for span in spans]
        for _ in range(TRIES):
            span = rng.choices(spans, weights)[0]
            port = rng.randrange(span.start, span.stop)
            if _bindable(host, port):
                return port
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
