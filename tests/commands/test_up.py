"""`lab up` as a user runs it: a real server, Locust web UI and Prometheus on free ports; Ctrl-C ends all.
Two at once: each scrapes only its own parts, in its own data directory.

Each launch costs seconds of start-up CPU and about 6 s before its Prometheus has scraped anything (its
service discovery sends the first targets on a 5 s tick), so launches are shared where a test's point
allows: one PostgreSQL serves every launch but the first (which starts its own and must stop it on
Ctrl-C), the rerun on another configuration is also the launch that proves --server-host, and the
launches of later tests start with the first one (the `launches` fixture), so that the waits overlap.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from lab.commands import up_resources
from lab.runtime.launcher import LaunchError
from lab.runtime.postgres import DATABASE_URL_ENV, Postgres
from lab.runtime.prom import lock_data_dir, write_targets
from tests.cli_support import refused
from tests.conftest import free_port
from tests.locust_support import REPO, web_ui_args
from tests.up_support import read_banner

LAB = [sys.executable, "-m", "lab"]


@dataclass
class Up:
    process: subprocess.Popen[str]
    stdout: list[str]
    stderr: Path
    urls: dict[str, str]  # "app", "Locust UI", "Locust metrics", "Prometheus" -> URL, or "not started: ..."
    ports: dict[str, int] = field(default_factory=dict)  # the port flags it was given

    def ready(self) -> Up:
        """Once its banner is read (at once if it was): its URLs."""
        if not self.urls and self.process.poll() is None:
            read_banner(self.process, self.stdout, self.urls)
        return self

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def interrupt(self) -> None:
        """Ctrl-C, then wait for the exit."""
        self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=60)
        self.stdout.extend(out.splitlines())


def _ports() -> dict[str, int]:
    return {
        flag: free_port()
        for flag in ("--port", "--locust-port", "--locust-metrics-port", "--prometheus-port")
    }


def _args(ports: dict[str, int]) -> list[str]:
    return [str(x) for flag, port in ports.items() for x in (flag, port)]


class Launcher:
    """Starts `lab up ...` (in `cwd` unless told) and waits for its URLs; `spawn` starts it without waiting.
    `close()` leaves nothing of them running."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env  # unless a launch gives its own
        self.started: list[Up] = []

    def spawn(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        ports: dict[str, int] | None = None,
        cwd: Path | None = None,
    ) -> Up:
        stderr = self.cwd / f"stderr-{len(self.started)}.txt"
        with stderr.open("w") as err:
            process = subprocess.Popen(
                [*LAB, "up", *args],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
                env=self.env if env is None else env,
                cwd=cwd or self.cwd,
            )
        instance = Up(process, [], stderr, {}, ports or {})
        self.started.append(instance)
        return instance

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, ports: dict[str, int] | None = None
    ) -> Up:
        return self.spawn(*args, env=env, ports=ports).ready()

    def close(self) -> None:
        for instance in self.started:
            if instance.process.poll() is None:
                tree = instance.descendants()
                os.killpg(instance.process.pid, signal.SIGKILL)
                for child in tree:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        child.kill()
            instance.process.communicate(timeout=30)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of the module's launches: one PostgreSQL for all, named by LAB_DATABASE_URL (each
    `lab up` of the catalogue would start its own: about a second and a CPU-second apiece)."""
    with Postgres(log=tmp_path_factory.mktemp("postgres") / "postgres.log") as postgres:
        yield {**os.environ, DATABASE_URL_ENV: postgres.url}


@pytest.fixture
def up(tmp_path: Path, database: dict[str, str]) -> Iterator[Launcher]:
    """Start `lab up ...`; waits for its URLs; whatever the test did, nothing is left running after."""
    launcher = Launcher(tmp_path, database)
    yield launcher
    launcher.close()


@pytest.fixture(scope="module")
def ups(tmp_path_factory: pytest.TempPathFactory, database: dict[str, str]) -> Iterator[Launcher]:
    """`up` for the launches several tests share."""
    launcher = Launcher(tmp_path_factory.mktemp("up"), database)
    yield launcher
    launcher.close()


@pytest.fixture(scope="module")
def launches(ups: Launcher) -> dict[str, Up]:
    """The launches tests share, started together: their start-ups overlap, and so do the 6 s before each
    Prometheus scrapes (a test that comes later finds its launch scraped already).

    "first": uvicorn-single on ports set, with --data-dir and a PostgreSQL of its own (no
    LAB_DATABASE_URL): the first test drives it and stops it; the rerun then finds its series.
    "shop": a user's app with its locustfile. "a" and "b": the docs' two instances side by side in one
    directory (see test_two_at_once_each_scrape_their_own_parts), "b" started once "a" holds its defaults.
    """
    first_ports, shop_ports = _ports(), _ports()
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    first = ups.spawn(
        "uvicorn-single", *_args(first_ports), "--data-dir", str(ups.cwd / "prom"), env=env, ports=first_ports
    )
    shop = ups.spawn(
        "uvicorn-single", *SHOP, *SHOP_LOCUSTFILE, "--metrics-path", "/lab-metrics",
        *_args(shop_ports), "--data-dir", str(ups.cwd / "shop-prom"), ports=shop_ports,
    )  # fmt: skip
    pair = ups.cwd / "pair"
    pair.mkdir()
    found = {"first": first, "shop": shop}
    for name, config in (("a", "uvicorn-single"), ("b", "threadpool-starved")):
        ports = {flag: free_port() for flag in ("--port", "--locust-port", "--prometheus-port")}
        found[name] = ups.spawn(config, *_args(ports), ports=ports, cwd=pair).ready()
    return found


@pytest.fixture(scope="module")
def first(launches: dict[str, Up]) -> Up:
    return launches["first"].ready()


@pytest.fixture(scope="module")
def rerun(ups: Launcher, first: Up) -> Iterator[Up]:
    """`lab up threadpool-starved` on the first launch's data directory once it has stopped; its app on
    127.0.0.2 (--server-host) while 127.0.0.1:PORT is taken: one launch for the two tests after the first."""
    if first.process.poll() is None:  # the first test did not stop it (deselected, or failed early)
        _eventually(first.urls["Prometheus"], 'lab_server_info{config="uvicorn-single"}')
        first.interrupt()
    ports = _ports()
    with socket.socket() as taken:  # until the launch has stopped: the app can only be on 127.0.0.2
        taken.bind(("127.0.0.1", ports["--port"]))
        taken.listen()
        yield ups(
            "threadpool-starved", *_args(ports), "--server-host", "127.0.0.2",
            "--data-dir", str(ups.cwd / "prom"), ports=ports,
        )  # fmt: skip


def _prometheus(url: str, expr: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["data"]["result"]
    return result


def _eventually(url: str, expr: str, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while not (result := _prometheus(url, expr)):
        assert time.monotonic() < deadline, f"no data for {expr}"
        time.sleep(0.2)
    return result


def _targets(prometheus: str) -> set[tuple[str, str, str]]:
    targets = httpx.get(f"{prometheus}/api/v1/targets", timeout=10).json()["data"]["activeTargets"]
    return {(t["labels"]["job"], t["labels"]["instance"], t["health"]) for t in targets}


def _assert_all_gone(tree: list[psutil.Process], ports: dict[str, int]) -> None:
    deadline = time.monotonic() + 20
    while True:
        alive = []
        for p in tree:
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert alive == []
    for port in ports.values():
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))  # free again


@pytest.mark.slow
def test_up_serves_scrapes_drives_locust_and_stops_everything_on_ctrl_c(first: Up) -> None:
    lab, ports = first, first.ports
    app, ui, prom = lab.urls["app"], lab.urls["Locust UI"], lab.urls["Prometheus"]
    assert app == f"http://127.0.0.1:{ports['--port']}", lab.stdout
    assert ui == f"http://127.0.0.1:{ports['--locust-port']}"
    assert prom == f"http://127.0.0.1:{ports['--prometheus-port']}"

    health = httpx.get(f"{app}/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["config"] == "uvicorn-single"
    assert httpx.get(ui, timeout=10).status_code == 200

    # A run started and stopped through Locust's own HTTP API, as its web UI does.
    swarm = httpx.post(
        f"{ui}/swarm",
        data={"user_count": 3, "spawn_rate": 3, "user_classes": ["IoAsyncUser"], "io_ms": 10},
        timeout=10,
    )
    assert swarm.status_code == 200
    assert swarm.json()["success"] is True
    _eventually(prom, 'increase(http_requests_total{config="uvicorn-single", handler="/io/async"}[1m]) > 0')
    _eventually(prom, "locust_users > 0")
    _eventually(prom, 'increase(locust_requests_total{name="/io/async"}[1m]) > 0')
    assert httpx.post(f"{ui}/stop", timeout=10).status_code == 200
    _eventually(prom, "locust_test_stop_time_seconds > locust_test_start_time_seconds")
    _eventually(prom, 'config_handler:http_requests:rate1m{config="uvicorn-single", handler="/io/async"} > 0')

    assert _targets(prom) == {
        ("app", f"127.0.0.1:{ports['--port']}", "up"),
        ("locust", f"127.0.0.1:{ports['--locust-metrics-port']}", "up"),
    }
    # The picker starts with one harmless class ticked; every scenario is on offer.
    picker = web_ui_args(ui)
    assert picker["available_user_classes"] == ["IoAsyncUser"]
    assert len(picker["users"]) >= 14

    tree = lab.descendants()
    assert len(tree) >= 4  # server, its process pool, Locust, Prometheus (and its own PostgreSQL)
    lab.interrupt()
    assert lab.process.returncode == 0, lab.stderr.read_text()
    _assert_all_gone(tree, ports)


@pytest.mark.slow
def test_a_rerun_on_another_configuration_finds_the_first_in_prometheus(rerun: Up) -> None:
    """The first test's launch, stopped, then this one on its --data-dir (the `rerun` fixture); the next
    test stops it."""
    prom = rerun.urls["Prometheus"]
    _eventually(prom, 'lab_server_info{config="threadpool-starved"}')
    seen = _prometheus(prom, "group by (config) (last_over_time(lab_server_info[10m]))")
    assert {r["metric"]["config"] for r in seen} == {"uvicorn-single", "threadpool-starved"}


@pytest.mark.slow
def test_server_host_is_where_the_app_binds_and_prometheus_scrapes(rerun: Up) -> None:
    """--server-host (issue 26 §3: the one name of the address the servers bind, as in serve and compare):
    the app on 127.0.0.2 while 127.0.0.1:PORT is taken; Prometheus scrapes it there, the UI stays local.
    (The rerun's launch: see the `rerun` fixture.)"""
    lab, ports = rerun, rerun.ports
    assert lab.urls["app"] == f"http://127.0.0.2:{ports['--port']}", (lab.stdout, lab.stderr.read_text())
    assert httpx.get(f"{lab.urls['app']}/health", timeout=10).status_code == 200
    assert lab.urls["Locust UI"] == f"http://127.0.0.1:{ports['--locust-port']}"
    prom = lab.urls["Prometheus"]
    _eventually(prom, f'up{{job="app", instance="127.0.0.2:{ports["--port"]}"}} == 1')
    tree = lab.descendants()
    lab.interrupt()  # 127.0.0.1:PORT still taken (the fixture holds it until the module ends)
    assert lab.process.returncode == 0, lab.stderr.read_text()
    assert "deprecated" not in lab.stderr.read_text()
    _assert_all_gone(tree, {k: v for k, v in ports.items() if k != "--port"})


@pytest.mark.slow
def test_server_host_every_interface_is_refused(up: Launcher, tmp_path: Path) -> None:
    lab = up("uvicorn-single", "--server-host", "0.0.0.0", "--data-dir", str(tmp_path / "p"))
    lab.process.communicate(timeout=30)
    assert lab.process.returncode == 2
    assert "--server-host 0.0.0.0: give the address the clients reach" in lab.stderr.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("missing", ["LAB_PROMETHEUS", "PATH"])
def test_without_prometheus_app_and_locust_still_run(up: Launcher, tmp_path: Path, missing: str) -> None:
    env = {k: v for k, v in up.env.items() if k != "LAB_PROMETHEUS"}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv's bin: Python, no prometheus
    if missing == "LAB_PROMETHEUS":
        env["LAB_PROMETHEUS"] = str(tmp_path / "no-such-prometheus")
    ports = _ports()
    lab = up("uvicorn-single", *_args(ports), "--data-dir", str(tmp_path / "prom"), env=env)
    assert lab.urls["Prometheus"].startswith("not started: Prometheus not found"), lab.stdout
    expected = "is not an executable file" if missing == "LAB_PROMETHEUS" else "no `prometheus` on PATH"
    assert expected in lab.urls["Prometheus"]
    assert httpx.get(f"{lab.urls['app']}/health", timeout=10).status_code == 200
    assert httpx.get(lab.urls["Locust UI"], timeout=10).status_code == 200
    tree = lab.descendants()
    lab.interrupt()
    assert lab.process.returncode == 0
    assert "Prometheus not found" in lab.stderr.read_text()
    _assert_all_gone(tree, ports)


@pytest.mark.slow
def test_a_busy_port_is_refused_before_anything_starts(up: Launcher, tmp_path: Path) -> None:
    ports = _ports()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports["--prometheus-port"]))
        busy.listen()
        lab = up("uvicorn-single", *_args(ports), "--data-dir", str(tmp_path / "prom"))
        lab.process.communicate(timeout=30)
    assert lab.process.returncode == 2
    assert f"--prometheus-port {ports['--prometheus-port']}" in lab.stderr.read_text()


@pytest.mark.slow
def test_two_at_once_each_scrape_their_own_parts(ups: Launcher, launches: dict[str, Up]) -> None:
    """The docs' second instance next to a first one, both in one directory, neither with
    --locust-metrics-port or --data-dir: the second picks a free port and its own data directory.
    (Launched with the module's other shared launches: see `launches`.)"""
    runs = []  # (lab up, its configuration, its ports, its Prometheus data directory)
    for name, config, data in (
        ("a", "uvicorn-single", "prometheus"),
        ("b", "threadpool-starved", "prometheus-2"),
    ):
        runs.append((launches[name], config, launches[name].ports, ups.cwd / "pair" / ".lab" / data))
    for lab, _, ports, data in runs:
        assert lab.process.poll() is None, (lab.stdout, lab.stderr.read_text())
        ports["--locust-metrics-port"] = int(lab.urls["Locust metrics"].split(":")[2].split("/")[0])
        assert any(f"(data: {data}," in line for line in lab.stdout), lab.stdout
    (a, _, a_ports, _), (b, _, b_ports, _) = runs
    assert a_ports["--locust-metrics-port"] != b_ports["--locust-metrics-port"]
    default = up_resources.PORTS["--locust-metrics-port"][0]
    moved = a if a_ports["--locust-metrics-port"] != default else b  # busy before the first, or taken by it
    assert any("--locust-metrics-port" in line and "busy" in line for line in moved.stdout), moved.stdout

    config_dirs = []
    for lab, config, ports, _ in runs:
        prom = lab.urls["Prometheus"]
        own = {
            ("app", f"127.0.0.1:{ports['--port']}", "up"),
            ("locust", f"127.0.0.1:{ports['--locust-metrics-port']}", "up"),
        }
        deadline = time.monotonic() + 30
        while (seen := _targets(prom)) != own:
            assert time.monotonic() < deadline, (seen, own)
            time.sleep(0.2)
        _eventually(prom, f'lab_server_info{{config="{config}"}}')
        _eventually(prom, f'locust_users{{instance="127.0.0.1:{ports["--locust-metrics-port"]}"}}')
        # Nothing of the other instance was ever scraped into this one's data.
        scraped = _prometheus(prom, "group by (instance) (last_over_time(up[10m]))")
        assert {r["metric"]["instance"] for r in scraped} == {instance for _, instance, _ in own}
        flags = httpx.get(f"{prom}/api/v1/status/flags", timeout=10).json()["data"]
        config_dirs.append(Path(flags["config.file"]).parent)
    assert config_dirs[0] != config_dirs[1] and all(c.is_dir() for c in config_dirs)

    for lab, _, ports, data in reversed(runs):
        tree = lab.descendants()
        lab.interrupt()
        assert lab.process.returncode == 0, lab.stderr.read_text()
        _assert_all_gone(tree, ports)
        lock = lock_data_dir(data)  # released
        assert lock is not None
        lock.close()
    assert not any(c.exists() for c in config_dirs)  # each launch's configuration went with it


@pytest.mark.slow
def test_a_data_dir_another_lab_up_holds_is_refused(up: Launcher, tmp_path: Path) -> None:
    held = tmp_path / "prom"
    lock = lock_data_dir(held)
    assert lock is not None
    try:
        lab = up("uvicorn-single", *_args(_ports()), "--data-dir", str(held))
        lab.process.communicate(timeout=30)
    finally:
        lock.close()
    assert lab.process.returncode == 2
    assert f"--data-dir {held}: held by another `lab up`" in lab.stderr.read_text()


def test_unset_ports_move_off_busy_defaults_and_set_ones_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        free = free_port()
        monkeypatch.setattr(up_resources, "PORTS", {"--port": (taken, "the app"), "--x": (free, "x")})
        ports, notes = up_resources.resolve_ports({"--port": None, "--x": None})
        assert ports["--x"] == free  # its default, free
        assert ports["--port"] not in (taken, free)
        assert notes == [f"the app on port {ports['--port']}: {taken} is busy (set --port to choose)"]
        with pytest.raises(LaunchError, match=f"--port {taken}: the port is busy"):
            up_resources.resolve_ports({"--port": taken, "--x": None})
        with pytest.raises(LaunchError, match=f"--x and --port are both {free}"):
            up_resources.resolve_ports({"--port": free, "--x": free})


# ------------------------------------------------------------------------------------ a user's app

EXAMPLES = REPO / "examples"
SHOP = ["--app", "shop.app:app", "--app-dir", str(EXAMPLES)]
SHOP_LOCUSTFILE = ["--locustfile", str(EXAMPLES / "shop" / "locustfile.py")]


@pytest.mark.slow
def test_up_serves_a_user_app_with_its_locustfile_and_scrapes_its_metrics_path(
    launches: dict[str, Up],
) -> None:
    """(Launched with the module's other shared launches: see `launches`.)"""
    lab = launches["shop"].ready()
    ports = lab.ports
    app, ui, prom = lab.urls["app"], lab.urls["Locust UI"], lab.urls["Prometheus"]
    assert app == f"http://127.0.0.1:{ports['--port']}", (lab.stdout, lab.stderr.read_text())
    banner = "\n".join(lab.stdout)
    assert "serving shop.app:app" in banner
    assert f"metrics: {app}/lab-metrics" in banner
    assert "locustfile.py: ItemUser, QuoteUser, BrowseUser" in banner

    # The user's classes in the picker, with no import of the lab in their file.
    picker = web_ui_args(ui)
    assert {"ItemUser", "QuoteUser", "BrowseUser"} <= set(picker["users"]), picker["users"]
    assert httpx.get(f"{app}/lab-metrics", timeout=10).status_code == 200

    # Prometheus scrapes the app at its metrics path.
    deadline = time.monotonic() + 30
    while True:
        active = httpx.get(f"{prom}/api/v1/targets", timeout=10).json()["data"]["activeTargets"]
        scraped = {(t["labels"]["job"], t["scrapeUrl"], t["health"]) for t in active}
        own = {
            ("app", f"{app}/lab-metrics", "up"),
            ("locust", f"http://127.0.0.1:{ports['--locust-metrics-port']}/metrics", "up"),
        }
        if scraped == own:
            break
        assert time.monotonic() < deadline, scraped
        time.sleep(0.2)
    _eventually(prom, 'lab_server_info{config="uvicorn-single", app="shop.app:app"}')

    swarm = httpx.post(
        f"{ui}/swarm",
        data={"user_count": 2, "spawn_rate": 2, "user_classes": ["BrowseUser"]},
        timeout=10,
    )
    assert swarm.status_code == 200
    assert swarm.json()["success"] is True, swarm.json()
    _eventually(prom, 'increase(http_requests_total{handler="/items/{item_id}"}[1m]) > 0')
    # The exporter came as lab_plugin.py beside the user's file: Locust's requests and the run's config.
    _eventually(prom, 'increase(locust_requests_total{name="/items/{item_id}"}[1m]) > 0')
    _eventually(prom, 'locust_run_info{config="uvicorn-single"}')
    assert httpx.post(f"{ui}/stop", timeout=10).status_code == 200

    tree = lab.descendants()
    assert len(tree) >= 3  # server, Locust, Prometheus
    lab.process.send_signal(signal.SIGTERM)  # as a supervisor would: the same orderly stop as Ctrl-C
    lab.process.communicate(timeout=60)
    assert lab.process.returncode == 0, lab.stderr.read_text()
    _assert_all_gone(tree, ports)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--app", "no_such_module:app", *SHOP_LOCUSTFILE], "no_such_module"),
        ([*SHOP], "give --locustfile FILE"),
        ([*SHOP, "--locustfile", str(EXAMPLES / "missing.py")], "missing.py"),
        (["--app", "not a spec", *SHOP_LOCUSTFILE], "expected MODULE:ATTRIBUTE"),
        (["--factory", *SHOP_LOCUSTFILE], "--factory and --app-dir need --app"),
    ],
    ids=["import-error", "no-locustfile", "missing-locustfile", "bad-spec", "factory-alone"],
)
def test_a_bad_app_or_locustfile_is_refused_before_anything_starts(
    tmp_path: Path, flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """In this process (the app is still imported in one of its own); the exit status end to end: the
    tests above that refuse a busy port, an address or a held data directory."""
    ports = _ports()
    data = tmp_path / "prom"
    error = refused(capsys, "up", "uvicorn-single", *flags, *_args(ports), "--data-dir", str(data))
    assert error.startswith("lab: error: ") and message in error, error  # and no URL printed: no stdout
    assert not data.exists()  # Prometheus' directory was never claimed
    _assert_all_gone([], ports)  # nothing ever listened


def test_targets_with_a_metrics_path_are_grouped_under_their_metrics_path_label(tmp_path: Path) -> None:
    write_targets(tmp_path, "app", ["127.0.0.1:1", "127.0.0.1:2/lab-metrics", "127.0.0.1:3/lab-metrics"])
    groups = json.loads((tmp_path / "targets" / "app.json").read_text())
    assert groups == [
        {"targets": ["127.0.0.1:1"]},
        {"targets": ["127.0.0.1:2", "127.0.0.1:3"], "labels": {"__metrics_path__": "/lab-metrics"}},
    ]
