"""The bounds of the query parameters live in one place (QUERY_BOUNDS): the app's OpenAPI says the same."""

from __future__ import annotations

from typing import Any

from lab.server.app import create_catalogue
from lab.shared.scenarios import (
    FANOUT_MS,
    FANOUT_N,
    PARAMETERS,
    QUERY_BOUNDS,
    TOTAL_WAIT_MS_MAX,
    total_wait_problem,
)


def _query_schemas() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in create_catalogue().openapi()["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    found.setdefault(parameter["name"], []).append(parameter["schema"])
    return found


def test_the_app_validates_with_the_shared_bounds() -> None:
    schemas = _query_schemas()
    assert set(schemas) == set(QUERY_BOUNDS)
    for name, (low, high) in QUERY_BOUNDS.items():
        assert all((s["minimum"], s["maximum"]) == (low, high) for s in schemas[name]), (name, schemas[name])


def test_every_locust_option_defaults_inside_its_bounds() -> None:
    for p in PARAMETERS:
        low, high = p.bounds
        assert low <= p.default <= high, p.option


def test_the_total_wait_bound_is_declared_once_and_the_defaults_keep_inside_it() -> None:
    assert FANOUT_N.default * FANOUT_MS.default <= TOTAL_WAIT_MS_MAX
    assert total_wait_problem(50, 600) is None  # 30 000 ms: the bound itself
    assert total_wait_problem(50, 601) == (
        "n x ms = 50 x 601 = 30050 ms: a request's total wait is at most 30000 ms (30 s)"
    )
    # The app's OpenAPI tells it where the per-call wait is documented.
    fanout = create_catalogue().openapi()["paths"]["/fanout/sync"]["get"]["parameters"]
    (ms,) = [p for p in fanout if p["name"] == "ms"]
    assert f"n x ms at most {TOTAL_WAIT_MS_MAX}" in ms["description"]
