"""Synthetic cells and result directories, built the way the runner builds them (no server, no Locust)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from lab.compare import diagnosis
from lab.compare.report import tables
from lab.compare.results.summary import Cell, Summary
from lab.model.inputs import Capacity, Demands
from lab.shared.provenance import Meta

REAL_RUN = Path(__file__).parent / "data" / "real-run"
CORES = 4
T0 = 1_800_000_000.0


def demands(scenario: str, params: dict[str, int]) -> Demands:
    """What one request of a catalogue scenario holds at one user, as its calibration would measure it."""
    ms = float(params.get("ms", 1)) * (params.get("n", 1) if scenario == "fanout-sync" else 1)
    cpu = ms if scenario.startswith("cpu-") else 0.2
    pooled = diagnosis.pooled("/" + scenario.replace("-", "/"))
    return Demands(
        wall_ms=ms, cpu_ms=cpu, threadpool_ms=ms if pooled else 0.0,
        loop_ms=ms if scenario in ("io-blocking", "cpu-async") else 0.0,
        process_pool_ms=ms if scenario == "cpu-process" else 0.0,
    )  # fmt: skip


def cell(
    config: str = "uvicorn-single",
    scenario: str = "io-sync",
    rps: float = 360.0,
    *,
    workers: int = 1,
    threadpool: int = 40,
    process_pool: int = 2,
    users: int = 100,
    ms: int | None = None,
    **overrides: Any,
) -> Cell:
    """An "ok" cell with the diagnosis the runner would record (lab.model over the scenario's demands)."""
    kind = scenario.split("-")[0]
    params = {"ms": ms if ms is not None else (100 if kind == "io" else 10)}
    record: dict[str, Any] = {
        "config": config, "scenario": scenario, "kind": kind, "handler": "/" + scenario.replace("-", "/"),
        "server": "uvicorn", "workers": workers, "threadpool": threadpool, "process_pool": process_pool,
        "users": users, "params": params, "repeats": 1,
        "duration_s": 5.0, "requests": int(rps * 5), "failures": 0, "rps": rps,
        "p50_ms": users / rps * 1000, "p95_ms": users / rps * 1300, "p99_ms": users / rps * 1500,
        "server_requests": int(rps * 5), "server_cpu_s": 1.0, "loop_lag_p99_ms": 5.0,
        "threadpool_in_use_max": float(min(users, threadpool)) if scenario == "io-sync" else 0.0,
        "threadpool_waiting_max": 0.0, "process_pool_pending_max": 0.0, "think_ms": 0.0,
        "generator_cpu": 0.2, "generator_saturated": False, "rps_runs": [rps], "rps_spread": 0.0,
        "status": "ok", "error": None,
    }  # fmt: skip
    made = Cell.model_validate({**record, **overrides})
    capacity = Capacity(
        workers=workers, usable_cores=float(CORES), threadpool=threadpool,
        process_pool=process_pool if scenario == "cpu-process" else None,
    )  # fmt: skip
    seen = diagnosis.CellLoad(
        users=users, rate=None, think_ms=0.0, duration_s=None, rps=rps, server_cores=made.server_cores,
        generator_busiest_cpu=made.generator_busiest_cpu,
        generator_saturated=made.generator_saturated, threadpool_in_use_max=made.threadpool_in_use_max,
        threadpool_waiting_max=made.threadpool_waiting_max,
    )  # fmt: skip
    found = diagnosis.fields(diagnosis.diagnose(seen, demands(scenario, params), capacity), 20)
    return made.model_copy(update={**found, **overrides})


def failed(config: str, scenario: str, error: str) -> Cell:
    """A failed cell, as the runner writes one (numbers None)."""
    nothing = dict.fromkeys(
        ("rps", "p50_ms", "p95_ms", "p99_ms", "efficiency", "requests", "duration_s", "generator_cpu")
    )
    changes = {**nothing, "status": "failed", "error": error, "bottleneck": "failed", "repeats": 0}
    return Cell.model_validate({**cell(config, scenario).model_dump(), **changes})


def meta(cells: list[Cell], **overrides: Any) -> Meta:
    configs = list(dict.fromkeys(c.config for c in cells))
    record = {
        "run_id": "test", "started": "2026-01-02T03:04:05+00:00", "finished": "2026-01-02T03:14:05+00:00",
        "interrupted": False, "command": ["lab", "compare", "--quick"], "git_commit": "abc123",
        "versions": {"python": "3.11.7", "uvicorn": "0.1"},
        "machine": {"cores": CORES, "platform": "Linux", "cpu": "x86_64"},
        "pinning": {"server": [0, 1, 2], "generator": [3],
                    "note": "server pinned to CPUs [0, 1, 2], Locust to CPU [3]"},
        "configs": [{"name": name, "server": "uvicorn", "workers": 1, "threadpool": 40} for name in configs],
        "scenarios": list(dict.fromkeys(c.scenario for c in cells)),
        "users": 100, "duration_s": 5.0, "warmup_s": 1.0, "repeat": 1, "options": {},
    }  # fmt: skip
    return Meta.model_validate({**record, **overrides})


def summary(cells: list[Cell], **overrides: Any) -> Summary:
    return Summary(meta=meta(cells, **overrides), cells=cells)


def history(p95: list[float], rps: float = 300.0) -> list[dict[str, Any]]:
    """Locust's per-second rows: a zero row first (as Locust writes), then one per p95 value."""
    rows = [{"t": T0, "users": 100, "rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0}]
    rows += [
        {"t": T0 + i + 1, "users": 100, "rps": rps, "p50_ms": value / 2, "p95_ms": value}
        for i, value in enumerate(p95)
    ]
    return rows


def timeline(in_use: float, waiting: float, lag: float, n: int = 10) -> list[dict[str, Any]]:
    return [{"t": T0 + i / 2, "in_use": in_use, "waiting": waiting, "lag_p99_ms": lag} for i in range(n)]


def write_run(
    out: Path,
    cells: list[Cell],
    *,
    claims: Any = None,
    details: dict[tuple[str, str], dict[str, Any]] | None = None,
    **meta_overrides: Any,
) -> Path:
    """A result directory: summary files through tables.write, cells/*.json, claims.json if given."""
    tables.write(out, summary(cells, **meta_overrides))
    (out / "cells").mkdir(exist_ok=True)
    for c in cells:
        detail = {"config": c.config, "scenario": c.scenario}
        if c.status == "ok":
            detail.update(
                (details or {}).get(c.key)
                or {"history": history([200.0, 210.0, 220.0, 215.0]), "server_timeline": timeline(4, 2, 8)}
            )
        (out / "cells" / f"{c.config}__{c.scenario}.json").write_text(json.dumps(detail))
    if claims is not None:
        (out / "claims.json").write_text(claims if isinstance(claims, str) else json.dumps(claims))
    return out


VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "area", "base", "source"}


class Checker(HTMLParser):
    """A strict-ish parser: every element closed in order, counts of what it met."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}
        self.classes: dict[str, int] = {}
        self.ids: list[str] = []
        self.text: list[str] = []

    def _seen(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1
        for name, value in attrs:
            if name == "class" and value:
                for css in value.split():
                    self.classes[css] = self.classes.get(css, 0) + 1
            if name == "id" and value:
                self.ids.append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._seen(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._seen(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Checker:
    checker = Checker()
    checker.feed(text)
    checker.close()
    assert checker.errors == []
    assert checker.stack == [], f"unclosed: {checker.stack}"
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    return checker
