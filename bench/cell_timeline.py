"""Where the seconds of a `lab compare` go (issue 27): a timeline of one run's phases, from inside.

Runs `lab compare ARGS` in this process with the lab's phases timed (the server's start and stop, each
Locust process from its spawn to its exit and its test inside that, the drains, the watcher's end, the
files written after each cell) and prints them in order, then their totals and the fixed cost: the wall
time less the seconds Locust's users were sending. `--profile` adds the parent's cProfile, by cumulative
time, the lab's functions only. Nothing of the run changes; the patched functions are only timed.

    .venv/bin/python -m bench.cell_timeline -- --configs uvicorn-single --scenarios noop-async \
        --duration 2s --out /tmp/timeline
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab.cli import main as lab_main


@dataclass
class Span:
    what: str
    start: float  # unix time
    end: float
    test: tuple[float, float] | None = None  # a Locust run: when its users were sending


SPANS: list[Span] = []

# (module, attribute path, label): what is timed, when the running tree has it.
TIMED = [
    ("lab.runtime.launcher", "Server.start", "server start (spawn to ready)"),
    ("lab.runtime.launcher", "Server.launch", "server spawn"),
    ("lab.runtime.launcher", "Server.wait_ready", "server wait ready"),
    ("lab.runtime.launcher", "Server.stop", "server stop"),
    ("lab.runtime.headless", "run", "locust run (spawn to result)"),
    ("lab.runtime.headless", "_locust", "locust process (spawn to exit)"),
    ("lab.runtime.headless", "start", "locust spawn"),
    ("lab.runtime.headless", "Started.run", "locust run (gate to result)"),
    ("lab.runtime.headless", "_wait", "locust process (gate to exit)"),
    ("lab.measure.scrape", "drain", "drain"),
    ("lab.measure.scrape", "settle", "drain (settle)"),
    ("lab.measure.scrape", "Watcher.__init__", "watcher first read"),
    ("lab.measure.scrape", "Watcher.finish", "watcher finish (drain, last read)"),
    ("lab.compare.run.runner", "Comparison.save", "save summary + render report"),
    ("lab.compare.run.record", "write_detail", "write cell detail"),
    ("lab.compare.run.session", "say", "terminal summary"),
]


def _timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.time()
        try:
            result = function(*args, **kwargs)
        finally:
            SPANS.append(Span(label, start, time.time()))
        window = getattr(result, "window", None)
        if isinstance(window, tuple):
            SPANS[-1].test = window
        return result

    return wrapper


def patch(set_attr: Callable[[Any, str, Any], None] = setattr) -> list[str]:
    """Time every TIMED function the tree has (set with `set_attr`); the labels of those it has."""
    found = []
    for module_name, path, label in TIMED:
        module = importlib.import_module(module_name)
        *owners, name = path.split(".")
        owner: Any = module
        for part in owners:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, name):
            continue
        set_attr(owner, name, _timed(label, getattr(owner, name)))
        found.append(label)
    return found


def timeline(origin: float) -> list[str]:
    lines = ["  start    end   secs  what"]
    for span in sorted(SPANS, key=lambda s: s.start):
        start, end = span.start - origin, span.end - origin
        line = f"{start:7.2f} {end:6.2f} {end - start:6.2f}  {span.what}"
        if span.test is not None:
            up, down = span.test[0] - span.start, span.end - span.test[1]
            sending = span.test[1] - span.test[0]
            line += f"  [start-up {up:.2f}, sending {sending:.2f}, stop and read {down:.2f}]"
        lines.append(line)
    return lines


def totals(wall: float) -> list[str]:
    by: dict[str, list[float]] = {}
    for span in SPANS:
        by.setdefault(span.what, []).append(span.end - span.start)
    runs = [s for s in SPANS if s.test is not None]
    sending = sum(s.test[1] - s.test[0] for s in runs if s.test is not None)
    lines = ["| phase | count | seconds |", "| --- | --- | --- |"]
    lines += [f"| {what} | {len(v)} | {sum(v):.2f} |" for what, v in sorted(by.items())]
    lines += [
        f"| Locust start-up (spawn to test start), all runs | {len(runs)} | "
        f"{sum(s.test[0] - s.start for s in runs if s.test is not None):.2f} |",
        f"| Locust stop and read (test stop to result), all runs | {len(runs)} | "
        f"{sum(s.end - s.test[1] for s in runs if s.test is not None):.2f} |",
        f"| users sending, all runs | {len(runs)} | {sending:.2f} |",
        f"| **wall** | | **{wall:.2f}** |",
        f"| **fixed cost: wall - sending** | | **{wall - sending:.2f}** |",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", action="store_true", help="also the parent's cProfile (lab functions)")
    parser.add_argument("compare", nargs=argparse.REMAINDER, help="lab compare's arguments, after --")
    args = parser.parse_args(argv)
    compare = [a for a in args.compare if a != "--"]
    print("timed: " + ", ".join(patch()))
    profile = cProfile.Profile() if args.profile else None
    origin = time.time()
    if profile is not None:
        profile.enable()
    code = lab_main(["compare", *compare])
    if profile is not None:
        profile.disable()
    wall = time.time() - origin
    print("\n".join(["", *timeline(origin), "", *totals(wall)]))
    if profile is not None:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(r"/lab/", 30)
        print(text.getvalue())
    return code


if __name__ == "__main__":
    raise SystemExit(main())
