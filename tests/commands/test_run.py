"""`lab run --host`: a service the lab did not start, measured as `lab compare` measures (issue 24).

The test starts the target itself on loopback: an app the lab never wrapped (plain FastAPI with
prometheus-fastapi-instrumentator's metrics, under plain uvicorn), and runs the real command against it:
a user's locustfile with a LoadTestShape, reconciled through --metrics-url; beside it, on a second
instance of the service, once more without --metrics-url. (The lab's own wrapper as the target:
tests/runtime/test_generator_hosts.py.) Bad input is checked in-process, through the parser and the plan
builder.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lab.cli import build_parser, main
from lab.commands import run
from lab.commands.workload import WorkloadError
from lab.compare.run.asked import Asked, build
from lab.compare.run.plan import PlanError
from lab.runtime.ports import free_port
from lab.runtime.procs import Child
from lab.shared.scenarios import get_scenario
from tests.subprocess_support import side_by_side

DATA = Path(__file__).resolve().parents[1] / "data"
SHAPED = DATA / "shaped" / "locustfile.py"
LAB = [sys.executable, "-m", "lab"]


class Instrumented(Child):
    """tests/data/instrumented/app.py under plain uvicorn: no lab wrapper, no LAB_* environment."""

    what = "uvicorn (instrumented app)"

    def __init__(self, log: Path) -> None:
        super().__init__(log)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.metrics_url = self.url + "/metrics"

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        self.spawn([sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(DATA / "instrumented"),
                    "--port", port, "--no-access-log"])  # fmt: skip
        self.wait_until(lambda: httpx.get(self.metrics_url).is_success, 60, RuntimeError, self.url)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instrumented, Instrumented]]:
    """Two instances of the service: the run reconciled against the first's counts has it to itself."""
    logs = tmp_path_factory.mktemp("instrumented")
    with Instrumented(logs / "one.log") as one, Instrumented(logs / "two.log") as two:
        yield one, two


def _lab_run(server: Instrumented, out: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*LAB, "run", "--host", server.url, "--locustfile", str(SHAPED), "--duration", "20",
         "--out", str(out), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs(
    services: tuple[Instrumented, Instrumented], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """Two real `lab run`s side by side, on a service each (nothing here is judged by speed): one with
    --metrics-url, a check and JUnit; one without --metrics-url, of one class."""
    one, two = services
    base = tmp_path_factory.mktemp("run")
    outs = {"measured": base / "measured" / "out", "plain": base / "plain" / "out"}
    for out in outs.values():
        out.parent.mkdir()
    started = {
        "measured": _lab_run(
            one, outs["measured"], "--metrics-url", one.metrics_url,
            "--check", "failure_ratio<0.01", "--junit", str(outs["measured"].parent / "junit.xml"),
        ),
        "plain": _lab_run(two, outs["plain"], "--scenarios", "AsyncReader"),
    }  # fmt: skip
    done = side_by_side(started, timeout=150)
    return {name: (done[name], outs[name]) for name in started}


@pytest.fixture(scope="module")
def measured(runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]]) -> Path:
    """The run with --metrics-url, a check and JUnit; its result directory."""
    done, out = runs["measured"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lab run ->" in done.stderr
    return out


@pytest.mark.slow
def test_one_cell_per_user_class_reconciled_against_the_servers_metrics(measured: Path) -> None:
    summary = json.loads((measured / "summary.json").read_text())
    assert summary["meta"]["service"]["shape"] == "TwoSteps"
    assert summary["meta"]["configs"][0]["server"] == "external"
    cells = {c["scenario"]: c for c in summary["cells"]}
    assert sorted(cells) == ["AsyncReader", "SyncReader"]
    for cell in cells.values():
        assert cell["status"] == "ok", cell
        assert cell["requests"] > 0
        # The server counted every request Locust counted, and at most those it abandoned besides.
        assert cell["requests"] <= cell["server_requests"] <= cell["requests"] + cell["abandoned"], cell
        assert cell["reconciled"] is True
        assert cell["ceiling_rps"] is None  # its workers are not the lab's to know
    # Reconciled on the handler the class requests, from the instrumentator's own series.
    served = {r["handler"]: r for r in cells["AsyncReader"]["handlers"] if r["requested"]}
    assert list(served) == ["/noop/async"] and served["/noop/async"]["server_requests"] > 0
    assert (measured.parent / "junit.xml").read_text().count("<testcase") >= 3  # two cells and a check


@pytest.mark.slow
def test_the_shape_set_the_users_and_ended_the_run(measured: Path) -> None:
    summary = json.loads((measured / "summary.json").read_text())
    for cell in summary["cells"]:
        # TwoSteps: 2 users, then 6, stopped at 3 s; neither --users 100 nor --duration 20 applied.
        assert cell["users"] == 6
        assert 2.0 <= cell["duration_s"] < 10.0, cell["duration_s"]
        history = json.loads((measured / "cells" / f"service__{cell['scenario']}.json").read_text())
        users = [row["users"] for row in history["history"]]
        assert 2 in users and 6 in users and max(users) == 6, users
    report = (measured / "report.html").read_text()
    assert "users over time (TwoSteps)" in report
    assert "load shape TwoSteps" in report
    assert "no --metrics-url" not in report


@pytest.mark.slow
def test_without_metrics_url_the_server_sections_say_why_they_are_empty(
    runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
) -> None:
    done, out = runs["plain"]
    assert done.returncode == 0, done.stdout + done.stderr
    (cell,) = json.loads((out / "summary.json").read_text())["cells"]
    assert cell["status"] == "ok" and cell["requests"] > 0
    assert cell["server_requests"] is None and cell["reconciled"] is None
    assert "Empty: lab run was given no --metrics-url" in (out / "report.html").read_text()


def _asked(tmp_path: Path, *args: str) -> Asked:
    parsed = build_parser().parse_args(
        ["run", "--locustfile", str(SHAPED), "--out", str(tmp_path / "out"), *args]
    )
    return run.asked_of(parsed)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--host", "ftp://example"], "--host 'ftp://example': expected an http(s) URL"),
        (["--host", "http://127.0.0.1:1", "--metrics-url", "nope"], "--metrics-url 'nope'"),
        (["--host", "http://127.0.0.1:1", "--name", "a b"], "--name 'a b'"),
        (["--host", "http://127.0.0.1:1", "--scenarios", "Nobody"], "Nobody"),
    ],
)
def test_bad_urls_names_and_classes_are_usage_errors(tmp_path: Path, args: list[str], expected: str) -> None:
    with pytest.raises(WorkloadError, match=re.escape(expected)):
        _asked(tmp_path, *args)


def test_the_rate_drives_the_labs_own_users_and_is_refused_for_a_users_locustfile(tmp_path: Path) -> None:
    host = ["--host", "http://127.0.0.1:1", "--rate", "100"]
    with pytest.raises(
        PlanError, match=r"--rate drives the lab's own users.*; --repeat 0: must be between 1 and 20"
    ):
        build(_asked(tmp_path, *host, "--repeat", "0"))  # every problem at once, nothing started
    assert not (tmp_path / "out").exists()
    own = build_parser().parse_args(
        ["run", *host, "--locustfile", str(get_scenario("io-async").path), "--scenarios", "IoAsyncUser",
         "--out", str(tmp_path / "out")]
    )  # fmt: skip
    plan = build(run.asked_of(own))
    assert [s.name for s in plan.scenarios] == ["io-async"]  # the catalogue's: its endpoint and open model
    assert plan.sweep.rates == [100.0]
    assert plan.service is not None and plan.service.url == "http://127.0.0.1:1"


def test_host_is_required_and_a_bad_host_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["run", "--locustfile", str(SHAPED)])
    assert exited.value.code == 2
    assert main(["run", "--host", "localhost:8000", "--locustfile", str(SHAPED)]) == 2
    assert "expected an http(s) URL" in capsys.readouterr().err


def test_compare_refuses_an_external_configuration(tmp_path: Path) -> None:
    configs = tmp_path / "configs.toml"
    configs.write_text('[svc]\nserver = "external"\n')
    parsed = build_parser().parse_args(
        ["compare", "--configs-file", str(configs), "--configs", "svc", "--scenarios", "io-async",
         "--out", str(tmp_path / "out")]
    )  # fmt: skip
    from lab.commands.compare import asked_of

    with pytest.raises(PlanError, match=r"running service .* lab run --host"):
        build(asked_of(parsed))
