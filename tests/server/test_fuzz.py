"""Fuzzing the OpenAPI of the running app (schemathesis): no server error, every invalid parameter a 422.

The app runs as a user runs it, `uvicorn --factory lab.server.app:create_app` on a free port with no LAB_*
set, so the fan-out endpoints call the address the server is bound to (issue 15: they answered 500 here while
the upstream was hard-wired to 127.0.0.1:8000). Each operation is fuzzed with schemathesis' Hypothesis
strategies and checked by its checks (`call_and_validate`): schemathesis' pytest integration
(`schema.parametrize`) does not run under pytest 9.2 (it sets `Function._nodeid`, gone there).
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, assume, given, settings

import lab.server.routes
from lab.runtime.postgres import DATABASE_URL_ENV, Postgres
from tests.conftest import free_port
from tests.uvicorn_support import Uvicorn

pytestmark = pytest.mark.slow

POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE


def _routes() -> dict[str, bool]:
    """Every route of every router in lab/server/routes, /metrics aside: whether it takes query parameters."""
    modules = [
        importlib.import_module(m.name)
        for m in pkgutil.iter_modules(lab.server.routes.__path__, "lab.server.routes.")
    ]
    routes = [r for m in modules if hasattr(m, "router") for r in m.router.routes if isinstance(r, APIRoute)]
    fuzzed = sorted((r for r in routes if r.path != "/metrics"), key=lambda r: r.path)
    return {r.path: bool(r.dependant.query_params) for r in fuzzed}


ROUTES = _routes()
# A route without parameters has no invalid input to send.
CASES = [(path, POSITIVE) for path in ROUTES] + [
    (path, NEGATIVE) for path, params in ROUTES.items() if params
]
# Per operation and mode. Each operation takes at most two bounded integers (`ms`, `n`): 15 examples
# reach their bounds and, in negative mode, the wrong types and out-of-range values (25 cost twice the
# CPU, beside the suite's loads, for the same kinds of input).
EXAMPLES = 15
# A valid `ms` is up to 10 s of sleep or CPU time per request: positive cases stay short so the run does.
# The real upper bounds are fuzzed by the negative cases (10001 must be a 422), from the unchanged schema.
# `n` needs no cap of its own: a request's total wait n x ms is bounded by the app (issue 26 §5), and
# 50 sequential calls of at most 5 ms take a quarter of a second (20 ms made /fanout/sync 9 s of the run).
POSITIVE_MAXIMUM = {"ms": 5}


def _repeated(case: schemathesis.Case) -> bool:
    """Whether a parameter has an array or object value, which a query string sends repeated.

    Negative cases give scalar parameters such values: `ms=[0.0]` is sent as `ms=0.0`, `ms=["x", 5]` as
    `ms=x&ms=5`. FastAPI, like Starlette and most frameworks, reads the last value of a repeated
    parameter, and `0.0` is an integer to JSON Schema: such a request can be valid, it proves nothing.
    """
    return any(isinstance(value, list | dict) for value in (case.query or {}).values())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Uvicorn]:
    port = free_port()
    log = tmp_path_factory.mktemp("fuzz") / "uvicorn.log"
    # A real database behind /db/* (without one they answer 503 by design, issue 16).
    with Postgres(log=log.with_name("postgres.log")) as postgres:
        env = {DATABASE_URL_ENV: postgres.url}
        with Uvicorn(["--port", str(port)], f"http://127.0.0.1:{port}", log, env=env) as running:
            yield running


def _schema(spec: dict[str, Any], url: str) -> schemathesis.BaseSchema:
    config = {
        # The app's contract for invalid input is a 422 naming the bound: no other 4xx passes.
        "checks": {"negative_data_rejection": {"expected-statuses": ["422"]}},
        # The app ignores unknown parameters, so a case made "negative" by one alone is a valid request
        # (a 200, not the 422 a negative case must get).
        "generation": {"allow-extra-parameters": False},
    }
    schema = schemathesis.openapi.from_dict(spec, config=schemathesis.Config.from_dict(config))
    schema.config.update(base_url=url)
    return schema


@pytest.fixture(scope="module")
def schemas(server: Uvicorn) -> dict[schemathesis.GenerationMode, schemathesis.BaseSchema]:
    response = httpx.get(f"{server.url}/openapi.json", timeout=10)
    assert response.status_code == 200
    spec = response.json()
    assert sorted(spec["paths"]) == list(ROUTES)  # every route but /metrics is fuzzed
    short = copy.deepcopy(spec)
    for operation in short["paths"].values():
        for parameter in operation["get"].get("parameters", []):
            if parameter["name"] in POSITIVE_MAXIMUM:
                parameter["schema"]["maximum"] = POSITIVE_MAXIMUM[parameter["name"]]
    return {POSITIVE: _schema(short, server.url), NEGATIVE: _schema(spec, server.url)}


@pytest.mark.parametrize(("path", "mode"), CASES, ids=[f"{path}-{mode}" for path, mode in CASES])
def test_fuzz(
    schemas: dict[schemathesis.GenerationMode, schemathesis.BaseSchema],
    path: str,
    mode: schemathesis.GenerationMode,
) -> None:
    operation = schemas[mode][path]["GET"]

    @settings(
        max_examples=EXAMPLES, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: schemathesis.Case) -> None:
        assume(not _repeated(case))
        case.call_and_validate(timeout=30)

    fuzz()
