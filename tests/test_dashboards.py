"""The Grafana dashboards: lint, then every query of every panel against a real Prometheus.

The live test starts two real server configurations, a real Locust (web UI mode, as `lab up` runs it)
and a real Prometheus scraping all three every second with prometheus/prometheus.yml and its rules;
Locust runs the mixed scenario for a few seconds against one configuration, then against the other
(the swap-and-rerun loop), through its own HTTP API. Every panel query, every annotation query and every
variable of every dashboard must then return data, for both configurations where it has a `config` label.

A second live stack, started beside the first (its own Prometheus, server and Locust; its run goes while
the first stack's first run does), serves a user's app instead of the catalogue (examples/shop,
`--metrics-path /lab-metrics`), loaded by its own plain locustfile with the exporter beside it, as `lab up
--app --locustfile` runs them (issue 11 §4: the dashboards work for any app). There too every query returns
data, but for the panels whose description starts with "Catalogue only" (metrics only the lab's endpoints
record).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.commands.locust_ui import LocustUI
from lab.runtime.launcher import Server
from lab.runtime.postgres import DATABASE_URL_ENV, Postgres
from lab.runtime.prom import Prometheus, prepare_config
from lab.shared.configs import load_catalogue
from lab.shared.target import AppTarget
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = {
    path.name: json.loads(path.read_text()) for path in sorted((ROOT / "grafana/dashboards").glob("*.json"))
}
UIDS = {"lab-sync-async", "lab-internals", "lab-locust"}
DATASOURCE_UID = yaml.safe_load((ROOT / "grafana/provisioning/datasources/prometheus.yml").read_text())[
    "datasources"
][0]["uid"]
GRAFANA_VARIABLES = {"__rate_interval", "__interval", "__range"}
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))|\[\[(\w+)\]\]")
CONFIGS = ("uvicorn-single", "threadpool-starved")
# A subquery at 1 s (the scrape interval) rates a series joined with another before the rate, such as
# Locust's counters with the configuration its run_info names at each moment.
WINDOWS = ("$__rate_interval", "$__range", "$__rate_interval:1s")
CLIENT_VS_SERVER = "Client vs server req/s per handler"
CATALOGUE_ONLY = "Catalogue only"  # how a panel's description starts when only the lab's endpoints feed it
SHOP = AppTarget("shop.app:app", factory=False, app_dir=str(ROOT / "examples"), metrics_path="/lab-metrics")
SHOP_LOCUSTFILE = ROOT / "examples" / "shop" / "locustfile.py"


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # collapsed rows keep theirs inside


def queries(dashboard: dict[str, Any], *, catalogue: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, query) for every panel target and annotation with a PromQL expression (without the
    catalogue-only panels when `catalogue` is False)."""
    for panel in panels(dashboard):
        if not catalogue and panel.get("description", "").startswith(CATALOGUE_ONLY):
            continue
        for target in panel.get("targets", []):
            yield f"panel {panel['title']!r} {target['refId']}", target
    for annotation in dashboard["annotations"]["list"]:
        if not annotation.get("builtIn"):
            yield f"annotation {annotation['name']!r}", annotation


def variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def used_variables(text: str) -> set[str]:
    return {next(g for g in match.groups() if g) for match in VARIABLE.finditer(text)}


def variable_query(variable: dict[str, Any]) -> str:
    query = variable["query"]
    return str(query["query"] if isinstance(query, dict) else query)


# ------------------------------------------------------------------------------------------- lint


def test_three_dashboards_with_stable_unique_uids() -> None:
    uids = [d["uid"] for d in DASHBOARDS.values()]
    assert sorted(uids) == sorted(UIDS)
    assert len({d["title"] for d in DASHBOARDS.values()}) == len(DASHBOARDS)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_datasource_variable_defaults_to_the_provisioned_uid(name: str) -> None:
    dashboard = DASHBOARDS[name]
    datasource = variables(dashboard)["datasource"]
    assert datasource["type"] == "datasource"
    assert datasource["query"] == "prometheus"
    assert datasource["current"]["value"] == DATASOURCE_UID
    # Everything else goes through the variable, so another Prometheus can be picked in the UI.
    refs = [p.get("datasource") for p in panels(dashboard) if p["type"] != "row"]
    refs += [t.get("datasource") for _, t in queries(dashboard)]
    refs += [v.get("datasource") for v in dashboard["templating"]["list"] if v["type"] == "query"]
    assert all(ref == {"type": "prometheus", "uid": "${datasource}"} for ref in refs), refs


@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_panel_has_a_query_and_a_place(name: str) -> None:
    dashboard = DASHBOARDS[name]
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids))
    for panel in panels(dashboard):
        assert panel["gridPos"]["x"] >= 0 and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] == "row":
            continue
        assert panel["title"] and panel.get("description"), panel
        assert panel["targets"], panel["title"]
        assert all(t["expr"].strip() for t in panel["targets"]), panel["title"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])


@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_variable_resolves(name: str) -> None:
    dashboard = DASHBOARDS[name]
    defined = set(variables(dashboard))
    assert {"datasource", "config", "handler"} <= defined
    texts = [q["expr"] for _, q in queries(dashboard)]
    texts += [p["title"] for p in panels(dashboard)]
    texts += [p["repeat"] for p in panels(dashboard) if p.get("repeat")]
    texts += [variable_query(v) for v in dashboard["templating"]["list"] if v["type"] == "query"]
    unknown = set().union(*(used_variables(t) for t in texts)) - defined - GRAFANA_VARIABLES
    assert unknown == set()
    for panel in panels(dashboard):
        assert panel.get("repeat", "config") in defined
    # A variable may only use the ones before it (Grafana resolves them in order).
    for i, variable in enumerate(dashboard["templating"]["list"]):
        if variable["type"] == "query":
            before = {v["name"] for v in dashboard["templating"]["list"][:i]}
            assert used_variables(variable_query(variable)) <= before, variable["name"]


# What only the lab's own endpoints produce: their paths, and the metrics only they record.
CATALOGUE_MARKS = re.compile(
    r"/(?:io|cpu|fanout|background|noop|db)\b|lab_cpu_work_seconds|lab_process_pool_pending|lab_db_pool_"
)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_no_panel_assumes_the_catalogues_handlers_unless_it_says_so(name: str) -> None:
    """Issue 11 §4: the dashboards work for any app; a panel fed by the catalogue alone says so."""
    dashboard = DASHBOARDS[name]
    for panel in panels(dashboard):
        exprs = " ".join(t["expr"] for t in panel.get("targets", []))
        if CATALOGUE_MARKS.search(exprs):
            assert panel["description"].startswith(CATALOGUE_ONLY), panel["title"]
    for variable in dashboard["templating"]["list"]:
        query = variable_query(variable) if variable["type"] == "query" else ""
        assert not CATALOGUE_MARKS.search(query), variable["name"]
        # A regex keeping only the catalogue's endpoints would empty every panel for another app.
        assert not re.search(r"\b(?:io|cpu|fanout|background|noop)\b", variable.get("regex", "")), variable


@pytest.mark.parametrize("name", DASHBOARDS)
def test_rates_use_rate_interval_and_never_lifetime_averages(name: str) -> None:
    for where, query in queries(DASHBOARDS[name]):
        expr = query["expr"]
        windows = re.findall(r"\[([^\]]+)\]", expr)
        assert all(w in WINDOWS for w in windows), (where, windows)
        if "rate(" in expr:
            assert "$__rate_interval" in expr, where
        # _sum and _count are lifetime totals: only their rate means something.
        for metric in re.findall(r"\b\w+_(?:sum|count)\b", expr):
            assert re.search(rf"(?:rate|increase)\(\s*{metric}\b", expr), (where, metric)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_annotations_mark_test_start_and_stop(name: str) -> None:
    exprs = [a["expr"] for a in DASHBOARDS[name]["annotations"]["list"] if not a.get("builtIn")]
    assert any("locust_test_start_time_seconds" in e for e in exprs)
    assert any("locust_test_stop_time_seconds" in e for e in exprs)
    for annotation in DASHBOARDS[name]["annotations"]["list"]:
        if not annotation.get("builtIn"):
            assert annotation["useValueForTime"] and "* 1000" in annotation["expr"]  # Grafana wants ms


# ------------------------------------------------------------------------------------------- live


@dataclass
class Stack:
    prometheus: Prometheus
    start: float
    end: float
    configs: tuple[str, ...] = CONFIGS  # the configurations it served
    catalogue: bool = True  # False: a user's app (examples/shop)


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def _scraped_since(prom: Prometheus, moment: float) -> None:
    """Until every target has been scraped after `moment` (a scrape a second: about one second)."""
    prom.wait_for(f"min(timestamp(up)) > {moment}", timeout=30)


def db(postgres: Postgres) -> dict[str, str]:
    return {DATABASE_URL_ENV: postgres.url}


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Stack]]:
    """Both live stacks, "catalogue" and "user_app", started together: their Prometheus discover their
    targets at once (about 6 s each, on its discovery's 5 s tick), and the user app's run goes beside the
    catalogue's first run (each stack has its own Prometheus, server and Locust: neither sees the other)."""
    tmp = tmp_path_factory.mktemp("dashboards")
    user = tmp / "user-app"
    catalogue = load_catalogue()
    ports = [free_port() for _ in range(3)]  # a, b, Locust's exporter
    hostport = [f"127.0.0.1:{port}" for port in ports]
    config_file = prepare_config(tmp / "config", app=hostport[:2], locust=hostport[2:])
    # examples/shop served by the lab, its metrics at /lab-metrics, loaded by its own locustfile.
    shop_config = catalogue[CONFIGS[0]]
    shop_port, shop_metrics_port = free_port(), free_port()
    shop_targets = [f"127.0.0.1:{shop_port}{SHOP.metrics_path}"]  # host:port/lab-metrics
    shop_config_file = prepare_config(
        user / "config", app=shop_targets, locust=[f"127.0.0.1:{shop_metrics_port}"]
    )
    # Prometheus first: its first scrapes come seconds after it is ready, while the rest starts.
    with (
        Prometheus(config_file, tmp / "data", port=free_port(), log=tmp / "prometheus.log") as prom,
        Prometheus(
            shop_config_file, user / "data", port=free_port(), log=user / "prometheus.log"
        ) as shop_prom,
        Postgres(log=tmp / "postgres.log") as postgres,  # behind /db/*: the database pool's panel
        Server(catalogue[CONFIGS[0]], port=ports[0], log=tmp / "a.log", extra_env=db(postgres)) as a,
        Server(catalogue[CONFIGS[1]], port=ports[1], log=tmp / "b.log", extra_env=db(postgres)) as b,
        Server(shop_config, port=shop_port, log=user / "shop.log", target=SHOP) as shop,
        LocustUI(
            a.url,
            web_port=free_port(),
            metrics_port=ports[2],
            lab_config=a.config.name,
            log=tmp / "locust.log",
        ) as locust,
        LocustUI(
            shop.url,
            web_port=free_port(),
            metrics_port=shop_metrics_port,
            lab_config=shop_config.name,
            locustfile=SHOP_LOCUSTFILE,
            log=user / "locust.log",
        ) as shop_locust,
    ):
        assert shop.metrics_url.removeprefix("http://") == shop_targets[0]
        _wait(lambda: sum(t["health"] == "up" for t in prom.targets()) == 3, 30, "3 targets up")
        _wait(lambda: sum(t["health"] == "up" for t in shop_prom.targets()) == 2, 30, "2 shop targets up")
        start = time.time()
        classes = ["ItemUser", "QuoteUser", "BrowseUser"]
        shop_locust.swarm(users=6, spawn_rate=6, user_classes=classes, run_time="4s")
        for server in (a, b):  # run, swap the configuration, rerun: as a user of `lab up` does
            began = time.time()
            locust.swarm(
                users=6,
                spawn_rate=6,
                user_classes=["MixedUser", "CpuProcessUser"],
                host=server.url,
                run_time="4s",
                lab_config=server.config.name,
                io_ms=20,
                cpu_ms=5,
                fanout_ms=10,
                background_ms=10,
            )
            # Stopped by its run time, and Prometheus has scraped the stop.
            prom.wait_for(f"locust_test_stop_time_seconds > {began}", timeout=60)
        shop_prom.wait_for(f"locust_test_stop_time_seconds > {start}", timeout=60)
        now = time.time()
        for scraper in (prom, shop_prom):
            _scraped_since(scraper, now)  # the counters' last values, from every target
        end = time.time()
        yield {
            "catalogue": Stack(prom, start - 5, end),
            "user_app": Stack(shop_prom, start - 5, end, configs=(shop_config.name,), catalogue=False),
        }


@pytest.fixture(scope="module")
def stack(stacks: dict[str, Stack]) -> Stack:
    return stacks["catalogue"]


def _regex(values: list[str]) -> str:
    """Grafana's rendering of a multi-value variable in a PromQL regex matcher."""
    escaped = [re.sub(r"([\\.^$*+?()\[\]{}|])", r"\\\\\1", v) for v in values]
    return "(" + "|".join(escaped) + ")"


def _resolve_variables(dashboard: dict[str, Any], stack: Stack) -> dict[str, str]:
    """Each query variable as Grafana resolves it (label_values over the time range), all values selected."""
    values: dict[str, str] = {}
    for variable in dashboard["templating"]["list"]:
        if variable["type"] != "query":
            continue
        match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", variable_query(variable))
        assert match, variable["name"]
        selector = _substitute(match.group(1), values, stack)
        found = stack.prometheus.label_values(match.group(2), selector, stack.start, stack.end)
        if variable.get("regex"):
            js = re.fullmatch(r"/(.*)/\w*", variable["regex"])  # Grafana takes a JavaScript /regex/
            assert js, variable["regex"]
            pattern = re.compile(js.group(1))
            found = [v for v in found if pattern.search(v)]
        assert found, f"variable {variable['name']} resolves to nothing"
        if variable["name"] == "config":
            assert set(found) == set(stack.configs)
        # "All" is rendered as allValue when the variable has one, else as every value.
        values[variable["name"]] = variable.get("allValue") or _regex(found)
    return values


def _substitute(expr: str, values: dict[str, str], stack: Stack) -> str:
    builtins = {
        "__rate_interval": "15s",  # at least 4 scrapes of 1 s, as Grafana computes it from timeInterval
        "__interval": "1s",
        "__range": f"{math.ceil(stack.end - stack.start)}s",
        "datasource": DATASOURCE_UID,
    }
    table = {**builtins, **values}
    return VARIABLE.sub(lambda m: table[next(g for g in m.groups() if g)], expr)


def _finite(values: list[list[Any]]) -> bool:
    return any(math.isfinite(float(v)) for _, v in values)


@pytest.mark.slow
@pytest.mark.parametrize("app", ["catalogue", "user_app"])
@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_query_returns_data_for_every_configuration(
    name: str, app: str, stacks: dict[str, Stack]
) -> None:
    stack = stacks[app]
    dashboard = DASHBOARDS[name]
    values = _resolve_variables(dashboard, stack)
    problems = []
    for where, query in queries(dashboard, catalogue=stack.catalogue):
        expr = _substitute(query["expr"], values, stack)
        if query.get("instant"):
            result = stack.prometheus.query(expr, at=stack.end)
            series = [(r["metric"], [r["value"]]) for r in result]
        else:
            result = stack.prometheus.query_range(expr, stack.start, stack.end, step=1)
            series = [(r["metric"], r["values"]) for r in result]
        with_data = [labels for labels, points in series if _finite(points)]
        if not with_data:
            problems.append(f"{where}: no data for {expr}")
            continue
        configs = {labels["config"] for labels in with_data if "config" in labels}
        if configs and configs != set(stack.configs):
            problems.append(f"{where}: only configurations {sorted(configs)} in {expr}")
    assert problems == []


def _integrals(prometheus: Prometheus, expr: str, stack: Stack) -> dict[tuple[str, str], float]:
    """Requests per (config, handler): a req/s query summed over 1 s steps (Locust says `name`)."""
    result = prometheus.query_range(expr, stack.start, stack.end, step=1)
    return {
        (r["metric"]["config"], r["metric"].get("handler", r["metric"].get("name", ""))): sum(
            float(v) for _, v in r["values"]
        )
        for r in result
    }


@pytest.mark.slow
def test_client_and_server_req_s_line_up_per_configuration_and_handler(stack: Stack) -> None:
    dashboard = DASHBOARDS["sync-async.json"]
    (panel,) = [p for p in panels(dashboard) if p["title"] == CLIENT_VS_SERVER]
    values = _resolve_variables(dashboard, stack)
    client, server = (
        _integrals(stack.prometheus, _substitute(t["expr"], values, stack), stack)
        for t in sorted(panel["targets"], key=lambda t: t["refId"])
    )

    assert "locust_requests_total" in panel["targets"][0]["expr"]
    assert "http_requests_total" in panel["targets"][1]["expr"]
    # Every endpoint Locust hit, on both configurations, on both sides.
    assert {config for config, _ in client} == set(CONFIGS)
    assert set(client) == set(server)
    # The same requests in the same units, and each configuration's share of them as the server saw it:
    # a client rate taken before the configuration is joined puts most of the first test's requests
    # under the second configuration (a share 0.3 to 0.4 off). The sums are loose because a counter's
    # first sample is lost to rate() and each test lasts 4 s. /io/async also serves the fan-outs.
    handlers = {handler for _, handler in client} - {"/io/async"}
    assert handlers
    for handler in sorted(handlers):
        a, b = (client[config, handler] for config in CONFIGS)
        a_served, b_served = (server[config, handler] for config in CONFIGS)
        assert 0.5 <= (a + b) / (a_served + b_served) <= 2, (handler, client, server)
        assert abs(a / (a + b) - a_served / (a_served + b_served)) <= 0.15, (handler, client, server)
