"""The next run's Locusts, started as this run's users stop: which run comes next, and who takes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lab.compare.run import ahead
from lab.compare.run.plan import Plan
from lab.runtime.generator import Generator
from lab.shared.configs import load_catalogue
from lab.shared.scenarios import get_scenario


def _plan(tmp_path: Path, repeat: int) -> Plan:
    cfg = load_catalogue()["uvicorn-single"]
    scenarios = [get_scenario("noop-async"), get_scenario("io-async")]
    return Plan(
        configs=[cfg], scenarios=scenarios, users=2, duration_s=1, warmup_s=0, repeat=repeat, out=tmp_path
    )


def test_the_next_run_is_the_cells_next_attempt_then_the_next_cells_first(tmp_path: Path) -> None:
    plan = _plan(tmp_path, repeat=2)
    cfg, cells = plan.configs[0], plan.cells()
    order = [(c, a) for c in range(len(cells)) for a in range(plan.repeat)]
    for (cell, attempt), after in zip(order, [*order[1:], None], strict=True):
        found = ahead.upcoming(plan, cfg, cells, cell, attempt)
        if after is None:
            assert found is None
            continue
        scenario, point = cells[after[0]]
        assert found == (scenario, point, ahead.prefix(plan, cfg, scenario, point, after[1]))
    assert ahead.prefix(plan, cfg, *cells[1], 1) == tmp_path / "logs" / "uvicorn-single__io-async__2"


class _Server:
    def __init__(self) -> None:
        self.up = True

    def alive(self) -> bool:
        return self.up


class _Locusts:
    def __init__(self, run: ahead.Run) -> None:
        self.run, self.stopped = run, False

    def stop(self) -> None:
        self.stopped = True


class _Ahead(ahead.Ahead):
    def __init__(self) -> None:
        super().__init__("run", None, Generator())
        self.started: list[Any] = []

    def locusts(self, run: ahead.Run) -> Any:
        self.started.append(_Locusts(run))
        return self.started[-1]


def test_only_the_run_they_were_started_for_takes_them_the_others_are_stopped(tmp_path: Path) -> None:
    plan, server, other = _plan(tmp_path, repeat=1), _Server(), _Server()
    fake: Any = server
    load = ahead.load(plan, *plan.cells()[1])
    run = ahead.Run(fake, load, tmp_path / "b")
    early = _Ahead()
    early.start(run)
    assert early.take(run) is early.started[0] and not early.started[0].stopped
    assert early.take(run) is None  # taken once
    for taker in (
        ahead.Run(other, load, run.prefix),  # type: ignore[arg-type]  # another server (a relaunch)
        ahead.Run(fake, ahead.load(plan, *plan.cells()[0]), run.prefix),  # another load
        ahead.Run(fake, load, tmp_path / "c"),  # another run of the cell
    ):  # fmt: skip
        early.start(run)
        assert early.take(taker) is None and early.started[-1].stopped
    early.start(run)
    server.up = False
    assert early.take(run) is None and early.started[-1].stopped  # a dead server's are stopped
    early.start(run)
    early.discard()
    assert early.started[-1].stopped and early.take(run) is None
