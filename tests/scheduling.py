"""The order of the suite's modules under xdist (a pytest plugin, loaded by tests/conftest.py).

`make test` runs modules three at a time (pytest-xdist, `--dist loadfile`) with one load at a time among them,
a `serial` test counting as one for its whole length (tests/load_lock.py). What holds the lock is nearly all
of the run, so the run ends no sooner than the loads do: the order that makes it short keeps one module with a
load running at all times and gives the other workers the longest modules without one, so that nothing long is
left for the end. xdist's own order (most tests first, two modules queued per worker) let the loads wait
behind each other early and idle late: measured on one run's costs, that order ends at 452 s where this one
ends at 373 s (the lock's own total being 353 s).

The costs are tests/durations.tsv (module, seconds in all, seconds holding the lock), written from a run:
`LAB_TESTS_LOCK_LOG=FILE make test`, then `python -m tests.scheduling FILE > tests/durations.tsv`. A module
not in it counts DEFAULT_SECONDS a test and no load; a stale file only makes the order worse, never a
result wrong.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DURATIONS = Path(__file__).with_name("durations.tsv")
DEFAULT_SECONDS = 1.0  # a test of a module the file does not know yet


@dataclass(frozen=True)
class Cost:
    seconds: float  # the module's tests in all, lock waits left out
    load: float  # of which holding the load lock


def read_costs(path: Path | None = None) -> dict[str, Cost]:
    """tests/durations.tsv, or the file LAB_TESTS_DURATIONS names."""
    path = path or Path(os.environ.get("LAB_TESTS_DURATIONS", DURATIONS))
    if not path.exists():
        return {}
    with path.open() as rows:
        return {
            row["module"]: Cost(float(row["seconds"]), float(row["load_seconds"]))
            for row in csv.DictReader(rows, delimiter="\t")
        }


def pick(left: Mapping[str, Cost], load_running: bool) -> str:
    """The module a free worker runs next: the one with the most load when no other worker runs one, else
    the longest without a load (the longest of all once none is left). Ties go by name, so runs agree."""
    if not load_running:
        loads = [m for m in left if left[m].load > 0]
        if loads:
            return max(loads, key=lambda m: (left[m].load, m))
    quiet = [m for m in left if left[m].load == 0] or list(left)
    return max(quiet, key=lambda m: (left[m].seconds, m))


def summarize(lines: list[str]) -> dict[str, Cost]:
    """Per module, from LAB_TESTS_LOCK_LOG's lines (nodeid, waited, held, seconds, then more)."""
    seconds: dict[str, float] = defaultdict(float)
    load: dict[str, float] = defaultdict(float)
    for line in lines:
        nodeid, waited, held, total = line.rstrip("\n").split("\t")[:4]
        module = nodeid.split("::")[0]
        seconds[module] += float(total) - float(waited)
        load[module] += float(held)
    return {m: Cost(round(seconds[m], 1), round(load[m], 1)) for m in sorted(seconds)}


def _scheduler_class() -> type:
    from xdist.scheduler import LoadFileScheduling

    class CostOrdered(LoadFileScheduling):  # type: ignore[misc]
        """LoadFileScheduling that picks each next module with `pick`, one module ahead per worker."""

        costs: dict[str, Cost] = {}

        def _cost(self, scope: str) -> Cost:
            known = self.costs.get(scope)
            return known or Cost(DEFAULT_SECONDS * len(self.workqueue[scope]), 0.0)

        def _load_running(self, node: Any) -> bool:
            return any(
                scope in self.costs and self.costs[scope].load > 0 and not all(tests.values())
                for other, work in self.assigned_work.items()
                if other is not node
                for scope, tests in work.items()
            )

        def _assign_work_unit(self, node: Any) -> None:
            scope = pick({s: self._cost(s) for s in self.workqueue}, self._load_running(node))
            self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

        def _reschedule(self, node: Any) -> None:
            # xdist asks for more at 2 pending tests; at 1 (the test the worker holds until it knows the
            # next) the choice is made when it is needed, with what the other workers run then.
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) <= 1:
                self._assign_work_unit(node)

    CostOrdered.costs = read_costs()
    return CostOrdered


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist", None) != "loadfile":
        return None
    return _scheduler_class()(config, log)


if __name__ == "__main__":  # python -m tests.scheduling LOCK_LOG > tests/durations.tsv
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["module", "seconds", "load_seconds"])
    for module, cost in summarize(Path(sys.argv[1]).read_text().splitlines()).items():
        out.writerow([module, cost.seconds, cost.load])
