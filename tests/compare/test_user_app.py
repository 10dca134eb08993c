"""`lab compare` on an app the lab has never seen (issue 11 §4, its Done-when), real servers and Locust.

examples/shop under gunicorn-multi and a 4-token single uvicorn worker (uvicorn-single would only add a
second single-process configuration): the lifespan runs once per worker (startup and shutdown), the server
labels route templates, client and server counts agree (the shop's calls to itself are reported, not
counted), and the report names the thread pool as what holds the `def` endpoint on 4 tokens. Then the
same path on tests/data/foreign_app, an app and locustfile written as if they had never been in this
repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lab.compare.report import headline
from lab.compare.results.summary import Cell, load
from tests.cli_support import refused

ROOT = Path(__file__).resolve().parents[2]
LAB = [sys.executable, "-m", "lab", "compare"]
FOUR_TOKENS = '[shop-4-tokens]\nserver = "uvicorn"\nthreadpool = 4\n'
BINDINGS = ("users", "cpu", "threadpool", "loop", "generator", "unexplained")
# The shortest calibration (1 s: over a hundred requests at one user here). The shop's cells 2 s: in 1 s
# the 4-token cell's efficiency fell to 0.81 once (its users' first page of items inside a shorter window),
# and it is its thread-pool branch that is judged; the foreign app's 1 s (hundreds of requests).
SMALL = ["--users", "10", "--warmup", "0", "--calibrate", "1"]


def _compare(out: Path, *args: str, duration: str, env: dict[str, str] | None = None) -> list[Cell]:
    done = subprocess.run(
        [*LAB, *args, *SMALL, "--duration", duration, "--out", str(out)],
        capture_output=True, text=True, timeout=240, cwd=ROOT, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return load(out).cells


@pytest.mark.slow
@pytest.mark.serial
def test_the_shop_is_explained_on_two_configurations(tmp_path: Path) -> None:
    (tmp_path / "configs.toml").write_text(FOUR_TOKENS)
    lifespan = tmp_path / "lifespan.log"
    out = tmp_path / "out"
    cells = _compare(
        out, "--app", "shop.app:app", "--app-dir", "examples", "--locustfile", "examples/shop/locustfile.py",
        "--scenarios", "ItemUser,QuoteUser", "--configs-file", str(tmp_path / "configs.toml"),
        "--configs", "gunicorn-multi,shop-4-tokens", duration="2s",
        env={"SHOP_LIFESPAN_LOG": str(lifespan), "SHOP_DB_LATENCY_MS": "10"},
    )  # fmt: skip
    assert [(c.config, c.scenario, c.status) for c in cells] == [
        (config, scenario, "ok")
        for config in ("gunicorn-multi", "shop-4-tokens")
        for scenario in ("ItemUser", "QuoteUser")
    ]
    # The lifespan ran once per worker: one startup and one shutdown per pid, as many pids as workers.
    events = [line.split() for line in lifespan.read_text().splitlines()]
    per_pid = Counter((event, pid) for event, pid in events)
    pids = {pid for _, pid in events}
    assert all(per_pid[("startup", p)] == 1 and per_pid[("shutdown", p)] == 1 for p in pids), events
    workers = {c.config: c.workers for c in cells}
    assert len(pids) == sum(workers.values()) and workers["gunicorn-multi"] > 1

    for cell in cells:
        # Route templates, never raw paths; Locust's /items/17, /items/342, ... map to one of them.
        handlers = {r.handler: r for r in cell.handlers}
        assert not any(h[-1].isdigit() for h in handlers), handlers
        assert cell.reconciled, (cell.label, cell.requests, cell.abandoned, cell.server_requests_compared)
        assert cell.concurrency and 0 < cell.concurrency <= cell.users + 0.5
        assert cell.service_ms and cell.ceiling_rps and cell.efficiency and cell.demands["wall"] > 0
        assert cell.binding in BINDINGS and cell.calibration_requests, cell.bottleneck
        # One diagnosis: the sentence opens with what `limit` names (or says unexplained).
        assert cell.bottleneck and cell.bottleneck.startswith(cell.limit or "unexplained"), cell.bottleneck
    by = {c.key: c for c in cells}
    for config in workers:
        item = {r.handler: r for r in by[config, "ItemUser"].handlers}
        assert item["/items/{item_id}"].kind == "def" and item["/items/{item_id}"].requested
        quote = by[config, "QuoteUser"]
        upstream = next(r for r in quote.handlers if r.handler == "/upstream/price/{item_id}")
        # The shop's own upstream calls: served, one per quote, reported apart and not counted.
        quotes = next(r for r in quote.handlers if r.handler == "/quotes/{item_id}")
        assert not upstream.requested and quotes.requested
        assert upstream.server_requests == quotes.server_requests == quotes.client_requests + quotes.abandoned
        assert quote.server_requests_compared is not None
        assert quote.server_requests_compared < (quote.server_requests or 0)

    four = by["shop-4-tokens", "ItemUser"]
    # 4 tokens over the token time at one user: the thread pool binds. On a machine so busy that each
    # token is held much longer than at one user, the cell is unexplained and the sentence says the pool
    # was measured full beyond its demand: never another resource.
    assert four.threadpool == 4 and four.binding in ("threadpool", "unexplained"), four.bottleneck
    assert "workers 1 x tokens 4" in (four.ceiling_formula or "")
    if four.binding == "threadpool":
        assert four.limit == "the thread pool (1 x 4 tokens)" and four.bottleneck.startswith(four.limit)
    else:
        assert "threadpool measured" in (four.bottleneck or ""), four.bottleneck
    assert four.handlers[0].cpu_ms and four.demands["threadpool"] > 0
    report = (out / "report.html").read_text()
    assert "shop-4-tokens · ItemUser" in report and "CPU ms (1 user)" in report
    assert "also served" in (out / "summary.md").read_text()


@pytest.mark.slow
@pytest.mark.serial
def test_an_app_and_locustfile_never_in_this_repository(tmp_path: Path) -> None:
    foreign = ROOT / "tests" / "data" / "foreign_app"
    lifespan = tmp_path / "lifespan.log"
    cells = _compare(
        tmp_path / "out", "--app", "orders_service:make", "--factory", "--app-dir", str(foreign),
        "--locustfile", str(foreign / "locustfile.py"), "--configs", "uvicorn-single", duration="1s",
        env={"FOREIGN_LIFESPAN_LOG": str(lifespan)},
    )  # fmt: skip
    by = {c.scenario: c for c in cells}
    assert set(by) == {"OrderUser", "PingUser"} and all(c.status == "ok" for c in cells)
    assert sorted(line.split()[0] for line in lifespan.read_text().splitlines()) == ["shutdown", "startup"]
    for cell in cells:
        assert cell.reconciled, (cell.label, cell.requests, cell.abandoned, cell.server_requests_compared)
        assert cell.binding in BINDINGS, cell.bottleneck
        assert cell.concurrency and cell.service_ms
    orders = {r.handler: r for r in by["OrderUser"].handlers}
    assert by["OrderUser"].unmapped == ["order line"]  # a name=, not a template: every handler compared
    assert orders["/api/v1/orders/{order_id}"].kind == "def"  # inside the mounted FastAPI app
    assert "/api/v1/orders/{order_id}/lines/{line_no}" in orders
    ping = {r.handler: r for r in by["PingUser"].handlers}
    assert set(ping) == {"/ping", "/customers/{name}"} and ping["/customers/{name}"].threadpool


@pytest.mark.slow
def test_a_cell_of_404s_is_failing_never_the_best_and_its_wait_is_said(tmp_path: Path) -> None:
    foreign = ROOT / "tests" / "data" / "foreign_app"
    out = tmp_path / "out"
    done = subprocess.run(
        [*LAB, "--app", "orders_service:make", "--factory", "--app-dir", str(foreign),
         "--locustfile", str(foreign / "lost_locustfile.py"), "--configs", "uvicorn-single",
         "--users", "4", "--duration", "1s", "--warmup", "0", "--calibrate", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (cell,) = load(out).cells
    assert cell.status == "ok" and cell.requests and cell.failures
    assert cell.failure_ratio is not None and cell.failure_ratio > 0.5, (cell.failures, cell.requests)
    assert cell.flags[0] == "failing" and list(cell.failure_codes) == ["404"], cell.failure_codes
    assert cell.failure_codes["404"] == cell.failures
    (row,) = headline.rows([cell])
    assert row.best == ""  # its only cell is failing: nothing to name
    assert row.margin.startswith("uvicorn-single failing: ") and "404 x" in row.margin
    table = (out / "summary.md").read_text()
    assert "4 users, spawn rate 4/s (closed loop, wait between(0.001, 0.002))" in table
    assert "uvicorn-single · LostUser: failing: " in table and "| failing" in table
    assert "wait between(0.001, 0.002)" in done.stdout and "failing" in done.stdout


def test_a_bad_calibration_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In this process (the exit status end to end: tests/commands/test_compare.py)."""
    err = refused(
        capsys, "compare", "--app", "shop.app:app", "--app-dir", str(ROOT / "examples"),
        "--endpoint", "GET /items", "--calibrate", "0.5s", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert "--calibrate" in err
    assert not (tmp_path / "out").exists()
