"""A Locust user class's `wait_time` as Locust sees it: `constant(0)`, `between(0.5, 1.5)`, etc.

Locust's wait-time helpers return closures; their arguments are in the closure's cells, so the text is
rebuilt from the values Locust will use, not from the file's source. `constant_throughput(r)` is
`constant_pacing(1 / r)` inside Locust; the class's source tells the two apart when it names it. A method
of the class's own is `custom (ClassName.wait_time)`. Importing Locust monkey-patches with gevent: call
this in a Locust process (or `python -m lab.loadgen.inspect`), never in the orchestrator.
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WaitTime:
    text: str  # as a locustfile would write it
    mean_s: float | None  # the mean wait it asks for, None where it depends on the task's own time


def _num(value: float) -> str:
    return f"{value:g}"


def _cells(function: Any) -> dict[str, Any]:
    code = getattr(function, "__code__", None)
    closure = getattr(function, "__closure__", None) or ()
    names = code.co_freevars if code is not None else ()
    return {name: cell.cell_contents for name, cell in zip(names, closure, strict=False)}


def _names_throughput(cls: type) -> bool:
    with contextlib.suppress(OSError, TypeError):
        return "constant_throughput(" in inspect.getsource(cls)
    return False


def describe(cls: type) -> WaitTime:
    """The wait time of User class `cls` (see the module)."""
    function = getattr(cls, "wait_time", None)
    owner = getattr(function, "__qualname__", "").split(".<locals>")[0]
    cells = _cells(function)
    if owner == "constant" and "wait_time" in cells:
        return WaitTime(f"constant({_num(cells['wait_time'])})", float(cells["wait_time"]))
    if owner == "between" and {"min_wait", "max_wait"} <= set(cells):
        low, high = float(cells["min_wait"]), float(cells["max_wait"])
        return WaitTime(f"between({_num(low)}, {_num(high)})", (low + high) / 2)
    if owner == "constant_pacing" and "wait_time" in cells:
        period = float(cells["wait_time"])
        if _names_throughput(cls) and period > 0:
            return WaitTime(f"constant_throughput({_num(1 / period)})", None)
        return WaitTime(f"constant_pacing({_num(period)})", None)
    if owner == "poisson" and "rate" in cells:
        return WaitTime(f"poisson({_num(cells['rate'])})", 1 / float(cells["rate"]))
    return WaitTime(f"custom ({cls.__name__}.wait_time)", None)


def no_wait(waits: list[WaitTime]) -> bool:
    """True only when every class waits nothing at all: the load may then say "no wait"."""
    return all(w.text == "constant(0)" for w in waits)
