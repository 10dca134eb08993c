"""Run a comparison: for each configuration launch it, warm up, measure each scenario, stop it, go on.

Each cell is written as soon as it finishes; a failing cell (server dead, port busy, Locust broken) is
recorded with its reason and the run goes on; Ctrl-C stops the current cell and keeps what is done.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from lab.compare import handlers, model, model_app
from lab.compare.report import tables
from lab.compare.results import flags
from lab.compare.results.summary import Cell, HandlerRow, Measured, Summary
from lab.compare.run import record
from lab.compare.run.plan import Plan, target_record
from lab.compare.run.points import LoadPoint
from lab.compare.run.progress import Progress
from lab.compare.run.record import median_run
from lab.measure import cell as measurement
from lab.measure import scrape
from lab.runtime import headless
from lab.runtime.generator import waiting_note
from lab.runtime.launcher import LaunchError, Server
from lab.runtime.provenance import free_port, git_commit, versions
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
DRAIN_LIMIT_S = 60.0  # scrape.drain's own limit


class Comparison:
    def __init__(self, plan: Plan, render: Callable[[Path], None] | None = None) -> None:
        self.plan = plan
        self.render = render
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
        chosen = self.pinning
        pinning = Pinning(server=chosen.server, generator=chosen.generator, note=chosen.note)
        self.meta = Meta(
            run_id=self.run_id, started=utc_now(), command=command_line(), git_commit=git_commit(),
            versions=versions(), machine=Machine.here(len(usable)), pinning=pinning, configs=plan.configs,
            scenarios=[s.name for s in plan.scenarios], users=(plan.sweep.users or [plan.users])[0],
            rates=plan.sweep.rates, sweeps=plan.sweep.swept(), duration_s=plan.duration_s,
            warmup_s=plan.warmup_s, repeat=plan.repeat, options=plan.options, target=target_record(plan),
            locustfile=str(plan.locustfile) if plan.locustfile else None,
            wait_times={s.name: s.wait_time for s in plan.scenarios if s.wait_time},
            max_failure_ratio=plan.max_failure_ratio, service=plan.service,
        )  # fmt: skip

    # -- one cell ---------------------------------------------------------------------------------------
    def _calibrate(self, server: Server | Running, scenario: Scenario, prefix: Path) -> dict[str, float]:
        """Each handler's service time: its server-side mean latency with one user (nothing queues)."""
        seconds = self.plan.calibration(scenario)
        if seconds <= 0:
            return {}
        load = measurement.Load(scenario, 1, seconds, self.plan.locust_options(scenario))
        tags = {"config": server.config.name, "run_id": self.run_id}
        try:
            found = measurement.measure(
                server, load, out=prefix.with_name(prefix.name + "-calibrate"), tags=tags,
                cpus=self.pinning.generator, generator=self.generator,
            )  # fmt: skip
        except headless.NoAnswerError:
            return {}  # one request takes longer than the calibration: no service time, no ceiling
        return handlers.service(found.window) if found.window is not None else {}

    def _measure(
        self, server: Server | Running, scenario: Scenario, prefix: Path, point: LoadPoint
    ) -> tuple[headless.LoadResult, scrape.ServerWindow | None]:
        plan = self.plan
        options = {**plan.locust_options(scenario), **point.options()}
        load = measurement.Load(scenario, point.users, plan.duration_s, options, plan.warmup_s)
        tags = {"config": server.config.name, "run_id": self.run_id}
        measured = measurement.measure(
            server, load, out=prefix, tags=tags, cpus=self.pinning.generator, generator=self.generator
        )
        return measured.load, measured.window

    def _limit(
        self, cfg: ServerConfig, workers: int, scenario: Scenario, rows: list[HandlerRow], users: int
    ) -> model.Ceiling | None:
        """The model's ceiling of a cell; none for a running service (its workers are not the lab's)."""
        if self.plan.service is not None:
            return None
        if handlers.is_app_scenario(scenario):
            return model_app.ceiling(rows, users=users, workers=workers, threadpool=cfg.threadpool)
        return model.ceiling(
            scenario.name, users=users, workers=workers, threadpool=cfg.threadpool,
            process_pool=cfg.process_pool, cores=self.cores, params=self.plan.params(scenario),
            db_pool=cfg.db_pool,
        )  # fmt: skip

    def _record(
        self, cfg: ServerConfig, workers: int, scenario: Scenario, runs: list[Measured], error: str | None,
        service: dict[str, float] | None = None, point: LoadPoint | None = None,
    ) -> Cell:  # fmt: skip
        plan = self.plan
        point = point or LoadPoint(plan.users)
        users = point.in_flight
        params = plan.params(scenario)
        app = handlers.is_app_scenario(scenario)
        rows: list[HandlerRow] = []
        if app and runs and error is None:
            at = runs.index(median_run(runs))
            rows = model_app.with_service(runs[at].handlers, service or {})
            runs = [*runs[:at], runs[at].model_copy(update={"handlers": rows}), *runs[at + 1 :]]
        limit = self._limit(cfg, workers, scenario, rows, users)
        ceiling_rps = round(limit.rps, 3) if limit else None
        rps_runs = [r.rps or 0.0 for r in runs]
        base: dict[str, Any] = {
            "config": cfg.name, "scenario": scenario.name, "kind": scenario.kind,
            "handler": scenario.handler, "server": cfg.server, "workers": workers,
            "threadpool": cfg.threadpool, "process_pool": cfg.process_pool,
            "users": point.users, "target_rps": point.rate, "swept": plan.sweep.values(cfg, point),
            "params": params, "repeats": len(runs), "ceiling_rps": ceiling_rps,
            "ceiling_formula": limit.formula if limit else None, "limit": limit.limit if limit else None,
            "rps_runs": rps_runs,
        }  # fmt: skip
        if error is not None or not runs:
            return Cell(**base, status="failed", error=error or "no run completed", bottleneck="failed")
        median = median_run(runs)  # it stands for the cell
        rps = median.rps or 0.0
        spread = (max(rps_runs) - min(rps_runs)) / statistics.median(rps_runs) if len(runs) > 1 else 0.0
        # Little's law for a closed loop; an open model's wait is what it measured, not users / throughput.
        wait = model.expected_wait_s(point.users, ceiling_rps, rps) if point.rate is None else None
        cell = Cell(
            **base,
            **median.model_dump(),
            rps_spread=spread,
            efficiency=round(rps / limit.rps, 4) if limit and limit.rps > 0 else None,
            expected_wait_s=None if wait is None else round(wait, 3),
            steady_state=model.at_steady_state(wait, median.duration_s or plan.duration_s),
            status="ok",
        )
        if plan.service is not None and plan.service.metrics_url is None:
            return cell.model_copy(update={"bottleneck": "not known: the server's metrics were not read"})
        if not app:
            return cell.model_copy(update={"bottleneck": model.bottleneck(cell, self.cores)})
        cell = cell.model_copy(
            update={
                "concurrency": model_app.concurrency(cell.rps, cell.mean_ms),
                "service_ms": model_app.service_ms(rows),
            }
        )
        return cell.model_copy(update={"bottleneck": model_app.bottleneck(cell, self.cores)})

    # -- the whole run ----------------------------------------------------------------------------------
    def _save(self) -> None:
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
        self._save()
        try:
            for cfg in plan.configs:
                self._run_config(cfg, progress)
        except KeyboardInterrupt:
            self.meta.interrupted = True
            return False
        finally:
            progress.close()
            self.meta.finished = utc_now()
            self._save()
        return True

    def estimates(self) -> list[float]:
        """Seconds each run of the plan should take, in order: for the ETA."""
        plan, found = self.plan, []
        for cfg in plan.configs:
            workers = cfg.resolved_workers(self.pinning.server)
            for i, (scenario, point) in enumerate(plan.cells()):
                limit = model.ceiling(
                    scenario.name, users=point.users, workers=workers, threadpool=cfg.threadpool,
                    process_pool=cfg.process_pool, cores=self.cores, params=plan.params(scenario),
                    db_pool=cfg.db_pool,
                )  # fmt: skip
                # What Locust abandons at a stop drains at the ceiling: about `users` requests.
                drain = min(DRAIN_LIMIT_S, point.users / limit.rps) if limit and limit.rps > 0 else 0.0
                cell = plan.warmup_s + plan.duration_s + CELL_OVERHEAD_S + drain
                calibrate = plan.calibration(scenario)
                cell += calibrate + CELL_OVERHEAD_S if calibrate > 0 else 0.0
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
        server.start()
        return server

    def _run_config(self, cfg: ServerConfig, progress: Progress) -> None:
        plan = self.plan
        workers = cfg.resolved_workers(self.pinning.server)
        server: Server | Running | None = None
        try:
            for scenario, point in plan.cells():
                name = plan.sweep.name(cfg, point)  # the cell's point, in file names
                runs: list[Measured] = []
                series: list[CellSeries] = []  # per run: Locust's history, the server's timeline
                error = None
                service: dict[str, float] | None = None
                for attempt in range(plan.repeat):
                    progress.show(
                        f"{name} x {scenario.name}" + (f" (run {attempt + 1})" if plan.repeat > 1 else "")
                    )
                    try:
                        if self.workers_gone:
                            raise headless.WorkersMissingError(self.workers_gone)
                        if server is None or not server.alive():
                            if server is not None:
                                server.stop()
                            server = None
                            server = self._start(cfg)
                        prefix = plan.out / "logs" / f"{name}__{scenario.slug}__{attempt + 1}"
                        if service is None:
                            service = self._calibrate(server, scenario, prefix)
                        load, window = self._measure(server, scenario, prefix, point)
                        split = (
                            handlers.breakdown(load, window, plan.app_info(cfg))
                            if handlers.is_app_scenario(scenario) and window is not None
                            else None
                        )
                        runs.append(record.measured(load, window, split))
                        timeline = window.timeline if window is not None else []
                        series.append(CellSeries(history=load.history, server_timeline=timeline))
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
                    if error:
                        break
                point = plan.shaped(point, [h.users for s in series for h in s.history])
                cell = self._record(cfg, workers, scenario, runs, error, service, point)
                cell = flags.flagged(cell, plan.max_failure_ratio)
                self.cells.append(cell)
                # The time series of the run that stands for the cell (none for a failed cell).
                extra = series[runs.index(median_run(runs))].model_dump() if runs and error is None else {}
                detail = {"config": cfg.name, "scenario": scenario.name, "point": name, **extra}
                (plan.out / "cells" / f"{name}__{scenario.slug}.json").write_text(json.dumps(detail))
                self._save()
        finally:
            if server is not None:
                server.stop()
