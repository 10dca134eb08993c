"""Run a comparison: for each configuration launch it, warm up, measure each scenario, stop it, go on.

Each cell is written as soon as it finishes; a failing cell (server dead, port busy, Locust broken) is
recorded with its reason and the run goes on; Ctrl-C stops the current cell and keeps what is done.
"""

from __future__ import annotations

import contextlib
import dataclasses
import statistics
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from lab.compare import diagnosis, handlers, little
from lab.compare.diagnosis import Calibration
from lab.compare.report import tables
from lab.compare.results import flags
from lab.compare.results.measured import Measured
from lab.compare.results.summary import Cell, Summary
from lab.compare.run import ahead, calibrate, record
from lab.compare.run.plan import Plan, target_record
from lab.compare.run.points import LoadPoint
from lab.compare.run.progress import Progress
from lab.compare.run.record import median_run
from lab.measure import cell as measurement
from lab.measure.cell import Measurement
from lab.runtime import headless
from lab.runtime.generator import waiting_note
from lab.runtime.launcher import LaunchError, Server
from lab.runtime.ports import free_port
from lab.runtime.provenance import git_commit, versions
from lab.runtime.service import Running
from lab.shared.configs import ServerConfig
from lab.shared.cores import can_pin, choose_pinning, generator_processes, usable_cpus
from lab.shared.provenance import Machine, Meta, Pinning, command_line, utc_now
from lab.shared.scenarios import Scenario
from lab.shared.timeline import CellSeries

# For the first ETA only (it then learns from the cells done): Locust's start-up twice and the scrapes,
# about 3 s a cell, and a server launch per configuration. Calibrated on the default run, 2 cores: 21
# cells in 234 s (2026-11-23).
CELL_OVERHEAD_S = 3.0
LAUNCH_S = 3.0


@contextlib.contextmanager
def _calling(call: Callable[[], None]) -> Iterator[None]:
    call()
    yield


class Comparison:
    def __init__(
        self, plan: Plan, render: Callable[[Path], None] | None = None, sync: Callable[[], None] | None = None
    ) -> None:
        self.plan = plan
        self.render = render
        # Called before each cell's warm-up and again before its measured run: `lab ab`'s duet starts both
        # sides' together, so that their measured windows coincide.
        self.sync = sync
        self.cells: list[Cell] = []
        self.run_id = uuid.uuid4().hex[:12]
        usable = usable_cpus()
        self.pinning = choose_pinning(plan.pin, usable, can_pin())
        self.cores = len(self.pinning.server) if self.pinning.server else len(usable)
        self.generator = plan.generator
        if not self.generator.processes:
            auto = generator_processes(self.pinning, len(usable))
            self.generator = dataclasses.replace(self.generator, processes=auto)
        self.workers_gone: str | None = None  # why the workers elsewhere are gone: later cells fail fast
        self.server: Server | Running | None = None  # the configuration's server while its cells run
        self.upcoming: tuple[Scenario, LoadPoint, Path] | None = None  # the next run: what, its files
        self.ahead = ahead.Ahead(self.run_id, self.pinning.generator, self.generator)  # its Locusts, early
        chosen = self.pinning
        pinning = Pinning(server=chosen.server, generator=chosen.generator, note=chosen.note)
        self.meta = Meta(
            run_id=self.run_id, started=utc_now(), command=command_line(), git_commit=git_commit(),
            versions=versions(), machine=Machine.here(len(usable)), pinning=pinning, configs=plan.configs,
            scenarios=[s.name for s in plan.scenarios], users=(plan.sweep.users or [plan.users])[0],
            rates=plan.sweep.rates, sweeps=plan.sweep.swept(), duration_s=plan.duration_s,
            warmup_s=plan.warmup_s, repeat=plan.repeat, repeat_auto=plan.repeat_auto, options=plan.options,
            target=target_record(plan),
            locustfile=str(plan.locustfile) if plan.locustfile else None,
            wait_times={s.name: s.wait_time for s in plan.scenarios if s.wait_time},
            max_failure_ratio=plan.max_failure_ratio, service=plan.service,
        )  # fmt: skip

    # -- one cell ---------------------------------------------------------------------------------------
    def _measure(
        self, server: Server | Running, scenario: Scenario, prefix: Path, point: LoadPoint,
        calibrations: dict[str, Calibration | None],
    ) -> Measurement:  # fmt: skip
        """The cell's run, calibrated first if its scenario is not yet: the cell's Locust processes start
        while the calibration's do (one local process each: no master port to share)."""
        if self.sync is not None:
            self.sync()
        load = ahead.load(self.plan, scenario, point)
        locusts = self.ahead.take(ahead.Run(server, load, prefix))
        if locusts is None and self.generator.single and scenario.name not in calibrations:
            locusts = self.ahead.locusts(ahead.Run(server, load, prefix))
        plan, cpus, generator = self.plan, self.pinning.generator, self.generator
        tags = {"config": server.config.name, "run_id": self.run_id}
        try:
            if scenario.name not in calibrations:
                calibrations[scenario.name] = calibrate.calibrate(
                    server, scenario, prefix, plan, cpus, generator, self.run_id,
                    quiet=[locusts] if locusts else [],
                )  # fmt: skip
            return measurement.measure(
                server, load, out=prefix, tags=tags, cpus=cpus, generator=generator, locusts=locusts,
                alongside=None if self.sync is None else _calling(self.sync), then=self._start_next,
            )  # fmt: skip
        finally:
            if locusts is not None:
                locusts.stop()

    def _start_next(self) -> measurement.Locusts | None:
        """The next run's Locusts, during this run's warm-up or once its users stop (one local process each,
        as ahead of a calibration; not in `lab ab`'s duet, which starts both sides' runs together)."""
        if self.upcoming and self.server and self.sync is None and self.generator.single:
            scenario, point, prefix = self.upcoming
            return self.ahead.start(ahead.Run(self.server, ahead.load(self.plan, scenario, point), prefix))
        return None

    def _record(
        self, cfg: ServerConfig, workers: int, scenario: Scenario, runs: list[Measured], error: str | None,
        calibration: Calibration | None = None, point: LoadPoint | None = None,
    ) -> Cell:  # fmt: skip
        plan = self.plan
        point = point or LoadPoint(plan.users)
        app = handlers.is_app_scenario(scenario)
        if app and runs and error is None and calibration is not None:
            at = runs.index(median_run(runs))
            rows = diagnosis.with_calibration(runs[at].handlers, calibration)
            runs = [*runs[:at], runs[at].model_copy(update={"handlers": rows}), *runs[at + 1 :]]
        rps_runs = [r.rps or 0.0 for r in runs]
        base: dict[str, Any] = {
            "config": cfg.name, "scenario": scenario.name, "kind": scenario.kind,
            "handler": scenario.handler, "server": cfg.server, "workers": workers,
            "threadpool": cfg.threadpool, "process_pool": cfg.process_pool,
            "users": point.users, "target_rps": point.rate, "swept": plan.sweep.values(cfg, point),
            "params": plan.params(scenario), "repeats": len(runs), "rps_runs": rps_runs,
            **record.repeats(runs),
        }  # fmt: skip
        if error is not None or not runs:
            return Cell(**base, status="failed", error=error or "no run completed", bottleneck="failed")
        median = median_run(runs)  # it stands for the cell
        rps = median.rps or 0.0
        spread = (max(rps_runs) - min(rps_runs)) / statistics.median(rps_runs) if len(runs) > 1 else 0.0
        cell = Cell(**base, **median.model_dump(), rps_spread=spread, status="ok")
        cell = calibrate.diagnosed(cell, cfg, scenario, calibration, self.cores)
        # Little's law for a closed loop; an open model's wait is what it measured, not users / throughput.
        wait = little.expected_wait_s(point.users, cell.ceiling_rps, rps) if point.rate is None else None
        cell = cell.model_copy(update={
            "expected_wait_s": None if wait is None else round(wait, 3),
            "steady_state": little.at_steady_state(wait, median.duration_s or plan.duration_s),
        })  # fmt: skip
        if not app:
            return cell
        return cell.model_copy(update={
            "concurrency": little.concurrency(cell.rps, cell.mean_ms),
            "service_ms": diagnosis.service_ms(cell.handlers),
        })  # fmt: skip

    # -- the whole run ----------------------------------------------------------------------------------
    def save(self) -> None:
        tables.write(self.plan.out, Summary(meta=self.meta, cells=self.cells))
        if self.render is not None:
            self.render(self.plan.out)

    def run(self) -> bool:
        """Run every cell; False if interrupted by Ctrl-C (what completed is written either way)."""
        plan = self.plan
        (plan.out / "cells").mkdir(parents=True, exist_ok=True)
        (plan.out / "logs").mkdir(parents=True, exist_ok=True)
        progress = Progress(self.estimates())
        command = "lab run" if plan.service is not None else "lab compare"
        print(f"{command} -> {plan.out}  ({self.pinning.note})", file=sys.stderr, flush=True)
        if self.generator.expect_workers:
            print(waiting_note(self.generator, plan.scenarios[0]), file=sys.stderr, flush=True)
        self.save()
        try:
            for cfg in plan.configs:
                self._run_config(cfg, progress)
        except KeyboardInterrupt:
            self.meta.interrupted = True
            return False
        finally:
            progress.close()
            self.meta.finished = utc_now()
            self.save()
        return True

    def estimates(self) -> list[float]:
        """Seconds each run of the plan should take, in order: for the ETA."""
        plan, found = self.plan, []
        for _cfg in plan.configs:
            calibrated: set[str] = set()
            for i, (scenario, _point) in enumerate(plan.cells()):
                cell = plan.warmup_s + plan.duration_s + CELL_OVERHEAD_S
                seconds = plan.calibration(scenario)
                if seconds > 0 and scenario.name not in calibrated:  # once per configuration
                    calibrated.add(scenario.name)
                    cell += seconds + calibrate.warmup_s(plan) + CELL_OVERHEAD_S
                found += [cell + (LAUNCH_S if i == 0 and r == 0 else 0.0) for r in range(plan.repeat)]
        return found

    def _start(self, cfg: ServerConfig) -> Server | Running:
        if self.plan.service is not None:
            return Running(cfg, self.plan.service)
        server = Server(
            cfg, host=self.plan.host, port=self.plan.port or free_port(), cpus=self.pinning.server,
            log=self.plan.out / "logs" / f"{cfg.name}.server.log", target=self.plan.target(cfg),
            extra_env=self.plan.server_env,
        )  # fmt: skip
        server.launch()  # ready when its first cell's Locust is: lab.measure.cell waits for both
        return server

    def _attempt(
        self, cfg: ServerConfig, scenario: Scenario, point: LoadPoint, prefix: Path,
        calibrations: dict[str, Calibration | None],
    ) -> tuple[Measured, record.Detail]:  # fmt: skip
        """One run of a cell (the server started if it is not running, the scenario calibrated once)."""
        if self.workers_gone:
            raise headless.WorkersMissingError(self.workers_gone)
        if self.server is None or not self.server.alive():
            if self.server is not None:
                self.server.stop()
            self.server = None
            self.server = self._start(cfg)
        found = self._measure(self.server, scenario, prefix, point, calibrations)
        window = found.window
        split = (
            handlers.breakdown(found.load, window, self.plan.app_info(cfg))
            if handlers.is_app_scenario(scenario) and window is not None
            else None
        )
        usable = found.usable_cores(self.cores, pinned=bool(self.pinning.server))
        timeline = window.timeline if window is not None else []
        series = CellSeries(history=found.load.history, server_timeline=timeline)
        return record.measured(found, usable, split), (series, found.load.hgrm)

    def _run_config(self, cfg: ServerConfig, progress: Progress) -> None:
        plan = self.plan
        workers = cfg.resolved_workers(self.pinning.server)
        calibrations: dict[str, Calibration | None] = {}  # per scenario, once per configuration
        cells = list(plan.cells())
        try:
            for i, (scenario, point) in enumerate(cells):
                name = plan.sweep.name(cfg, point)  # the cell's point, in file names
                runs: list[Measured] = []
                series: list[record.Detail] = []  # per run: Locust's history, the server's timeline, .hgrm
                error = None
                for attempt in range(plan.repeat):
                    progress.show(
                        f"{name} x {scenario.name}" + (f" (run {attempt + 1})" if plan.repeat > 1 else "")
                    )
                    try:
                        prefix = ahead.prefix(plan, cfg, scenario, point, attempt)
                        self.upcoming = ahead.upcoming(plan, cfg, cells, i, attempt)
                        run, run_series = self._attempt(cfg, scenario, point, prefix, calibrations)
                        runs.append(run)
                        series.append(run_series)
                    except (
                        LaunchError,
                        headless.LoadError,
                        measurement.MeasureError,
                        httpx.HTTPError,
                    ) as exc:
                        error = str(exc)
                        if isinstance(exc, headless.WorkersMissingError) and not self.workers_gone:
                            self.workers_gone = f"not run: an earlier cell's Locust master gave up, {exc}"
                    finally:
                        progress.step()
                    if error or (plan.repeat_auto and record.settled(runs)):
                        progress.done += plan.repeat - attempt - 1  # the runs auto did not need
                        break
                calibration = calibrations.get(scenario.name)
                point = plan.shaped(point, [h.users for s, _ in series for h in s.history])
                cell = self._record(cfg, workers, scenario, runs, error, calibration, point)
                cell = flags.flagged(cell, plan.max_failure_ratio)
                self.cells.append(cell)
                median = runs.index(median_run(runs)) if runs and error is None else None
                record.write_detail(
                    plan.out, cfg.name, scenario, name, series[median] if median is not None else None
                )
                self.save()
        finally:
            self.upcoming = None
            self.ahead.discard()
            if self.server is not None:
                self.server.stop()
                self.server = None
