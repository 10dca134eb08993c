"""The bounds of the query parameters live in one place (QUERY_BOUNDS): the app's OpenAPI says the same."""

from __future__ import annotations

from typing import Any

from lab.server.app import create_catalogue
from lab.shared.scenarios import PARAMETERS, QUERY_BOUNDS


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
