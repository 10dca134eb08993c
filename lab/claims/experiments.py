"""The experiments behind the claims: probes with httpx and load with Locust, on real servers.

A `Bench` owns what a run shares: one server alive at a time (claims on the same configuration reuse
it), Locust measurements memoised (claims 4 and 5 read the same runs), quick mode. Each kind of
experiment in `RUNNERS` returns its numbers by name, as `spec` declares them.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from lab.claims.numbers import ExperimentError, Numbers
from lab.claims.probes import burst, loop_probe, timing
from lab.claims.spec import Arm, Burst, Load, LoopProbe, Target, Timing
from lab.measure import cell as measurement
from lab.measure.prober import Prober
from lab.runtime import headless
from lab.runtime.launcher import Server
from lab.runtime.ports import free_port
from lab.shared.configs import ServerConfig, get
from lab.shared.scenarios import get_scenario

QUICK_SECONDS = 3.0  # Locust run per arm in quick mode: ratios of large effects settle within it
UNBALANCED_BELOW = 1.5  # workers_busy under this: one worker did (nearly) all the work


class Bench:
    """Servers and measurements shared by the claims of one run: `with Bench(...) as bench: ...`."""

    def __init__(
        self,
        catalogue: Mapping[str, ServerConfig],
        logs: Path,
        *,
        quick: bool = False,
        say: Callable[[str], None] | None = None,
        server_env: Mapping[str, str] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.server_env = dict(server_env or {})  # LAB_DATABASE_URL when a claim queries the database
        self.logs = logs
        self.quick = quick
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self._server: Server | None = None
        self._key: tuple[str, tuple[tuple[str, str], ...]] | None = None
        self._memo: dict[tuple[Any, ...], Numbers] = {}

    def repeats(self, n: int) -> int:
        return 1 if self.quick else n

    def seconds(self, s: float) -> float:
        return min(s, QUICK_SECONDS) if self.quick else s

    def server(self, target: Target) -> Server:
        """The server of `target`, started if it is not the one running (which is stopped first)."""
        key = (target.config, tuple(sorted(target.overrides().items())))
        if self._server is not None and self._key == key and self._server.alive():
            return self._server
        self.close()
        cfg = get(self.catalogue, target.config).with_overrides(target.overrides())
        suffix = "".join(f"-{k}={v}" for k, v in key[1])
        self.logs.mkdir(parents=True, exist_ok=True)
        self.say(f"  starting {cfg.name}{' (' + suffix[1:] + ')' if suffix else ''}")
        log = self.logs / f"{cfg.name}{suffix}.server.log"
        server = Server(cfg, port=free_port(), log=log, extra_env=self.server_env)
        server.start()  # from this (the main) thread: the server dies with it
        self._server, self._key = server, key
        return server

    def close(self) -> None:
        server, self._server, self._key = self._server, None, None
        if server is not None:
            server.stop()

    def __enter__(self) -> Bench:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- load ---------------------------------------------------------------------------------------------
    def load_arm(self, target: Target, arm: Arm, experiment: Load, label: str) -> Numbers:
        """One Locust run of `arm` (memoised: the same run serves every claim that asks for it).

        With several workers, a launch whose load landed on one worker is measured again on a fresh
        launch, up to `experiment.spread_retries` times (issue: Locust opens its keep-alive connections
        at once, and one worker's accept loop can take them all)."""
        seconds = self.seconds(experiment.seconds)
        key = (target.config, tuple(sorted(target.overrides().items())), arm.scenario, experiment.users,
               seconds, tuple(sorted(experiment.params.items())), experiment.probe)  # fmt: skip
        if key not in self._memo:
            unbalanced = 0
            while True:
                numbers = self._load_once(target, arm, experiment, seconds, f"{label}-{unbalanced}")
                spread = numbers["workers_busy"]
                if (
                    spread is None
                    or spread >= UNBALANCED_BELOW
                    or self._server is None
                    or self._server.workers < 2
                ):
                    break
                unbalanced += 1
                self.say(f"  {label}: the load landed on one worker ({spread:.2f} workers busy)")
                if unbalanced > experiment.spread_retries:
                    break
                self.close()  # a fresh launch: the connections are dealt again
            self._memo[key] = {**numbers, "unbalanced_launches": float(unbalanced)}
        return self._memo[key]

    def _load_once(self, target: Target, arm: Arm, experiment: Load, seconds: float, label: str) -> Numbers:
        scenario = get_scenario(arm.scenario)
        options = {
            p.option: str(experiment.params[p.query])
            for p in scenario.parameters
            if p.query in experiment.params
        }
        server = self.server(target)
        self.say(f"  {label}: {arm.scenario}, {experiment.users} users, {seconds:.0f} s")
        prober = Prober(server.url + experiment.probe)
        try:
            measured = measurement.measure(
                server, measurement.Load(scenario, experiment.users, seconds, options),
                out=self.logs / f"{label}-{arm.scenario}",
                tags={"config": server.config.name, "run_id": "claims"}, alongside=prober,
            )  # fmt: skip
        except (headless.LoadError, measurement.MeasureError, httpx.HTTPError) as exc:
            raise ExperimentError(f"{arm.scenario} on {server.config.name}: {exc}") from None
        result, window = measured.load, measured.window
        assert window is not None  # a server the lab launched: its metrics are always read
        duration = max(result.duration_s, 1e-9)
        return {
            "rps": result.rps,
            "p50_ms": result.p50_ms,
            "p95_ms": result.p95_ms,
            "probe_ms": statistics.median(prober.latencies_ms) if prober.latencies_ms else None,
            "lag_p99_ms": window.loop_lag_p99_ms,
            # The comparison's figure: the server's process tree read from outside while users sent.
            "server_cores": window.cores if window.cores is not None else window.cpu_s / duration,
            "cpu_ms_per_request": window.cpu_s * 1000 / window.requests if window.requests else None,
            "generator_cores": result.generator_cpu,
            # total over busiest worker: 1 = all the work on one worker, N = spread evenly over N
            "workers_busy": window.workers_busy,
            "failures": float(result.failures),
        }


def load(bench: Bench, experiment: Load, label: str) -> Numbers:
    numbers: Numbers = {
        "users": float(experiment.users),
        **{k: float(v) for k, v in experiment.params.items()},
    }
    for name, arm in experiment.arms.items():
        measured = bench.load_arm(experiment.target(arm), arm, experiment, f"{label}-{name}")
        numbers |= {f"{name}.{metric}": value for metric, value in measured.items()}
    return numbers


RUNNERS: dict[str, Callable[[Bench, Any, str], Numbers]] = {
    "burst": burst,
    "loop-probe": loop_probe,
    "timing": timing,
    "load": load,
}


def measure(
    bench: Bench, experiments: Mapping[str | None, Burst | LoopProbe | Timing | Load], label: str
) -> Numbers:
    """Every variant's numbers, prefixed with the variant id where the claim has variants."""
    numbers: Numbers = {}
    for variant, experiment in experiments.items():
        name = label if variant is None else f"{label}-{variant}"
        try:
            measured = RUNNERS[experiment.kind](bench, experiment, name)
        except httpx.HTTPError as exc:
            raise ExperimentError(f"{name}: the server did not answer: {exc}") from None
        numbers |= {key if variant is None else f"{variant}.{key}": value for key, value in measured.items()}
    return numbers
