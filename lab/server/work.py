"""Pure-Python CPU work that holds the GIL, measured in CPU time.

`burn(ms)` spins in small calibrated chunks until the calling thread has used `ms` of CPU time
(`time.thread_time`), so `ms` means CPU time whatever else competes for the GIL or the cores, and it
returns the CPU time actually spent. The chunk size is calibrated once per process.
"""

from __future__ import annotations

import time

_CHUNK_TARGET_S = 0.0002  # one chunk ~0.2 ms: fine enough to stop close to the target
_chunk: int | None = None


def _spin(iterations: int) -> int:
    acc = 0
    for i in range(iterations):
        acc = (acc + i * i) % 1_000_003
    return acc


def calibrate() -> int:
    """Iterations of `_spin` that take about `_CHUNK_TARGET_S` of CPU here; computed once per process."""
    global _chunk
    if _chunk is None:
        iterations = 1000
        while True:
            start = time.thread_time()
            _spin(iterations)
            spent = time.thread_time() - start
            if spent >= 0.005:
                break
            iterations *= 2
        _chunk = max(1, int(iterations * _CHUNK_TARGET_S / spent))
    return _chunk


def burn(ms: float) -> float:
    """Use `ms` milliseconds of this thread's CPU time; return the CPU seconds actually spent."""
    chunk = calibrate()
    target = ms / 1000.0
    start = time.thread_time()
    while time.thread_time() - start < target:
        _spin(chunk)
    return time.thread_time() - start
