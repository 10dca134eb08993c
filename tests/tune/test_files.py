"""tuned.toml is a configurations file `lab compare --configs-file` reads as it is; the capacity search
doubles then bisects; the space parses, derives and starts where it offers the most."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.shared.configs import load_catalogue
from lab.tune import capacity
from lab.tune.files import TUNED, tuned_toml
from lab.tune.search import Candidate
from lab.tune.space import Space, default, largest, points, powers
from tests.tune.support import cell


def test_tuned_toml_is_one_table_the_catalogue_reads_as_the_pick(tmp_path: Path) -> None:
    base = load_catalogue()["gunicorn-multi"]
    pick = base.with_overrides({"workers": "2", "threadpool": "8", "db_pool": "4"})
    path = tmp_path / "tuned.toml"
    path.write_text(tuned_toml(pick, 'a "quoted" reason'))
    read = load_catalogue([path])[TUNED]
    fields = {"name", "description"}
    assert read.model_dump(exclude=fields) == pick.model_dump(exclude=fields)
    tables = [line for line in path.read_text().splitlines() if line.startswith("[")]
    assert tables == [f"[{TUNED}]"]


def test_the_capacity_doubles_until_a_miss_then_bisects() -> None:
    """The SLO holds up to 100 users: from 16, 32 and 64 meet, 128 misses, 96 meets, 112 misses."""
    base = load_catalogue()["uvicorn-single"]
    at = Candidate(base, {}, 1)
    loads: list[float] = []

    def measure(load: float):  # type: ignore[no-untyped-def]
        loads.append(load)
        return cell(at, users=int(load))

    found = capacity.Capacity("users", 16.0)
    capacity.search(found, 6, measure, lambda c: c.users <= 100)
    assert loads == [32.0, 64.0, 128.0, 96.0, 112.0, 104.0]
    assert found.at_least == 96 and found.below == 104


def test_the_default_space_comes_from_the_machine_and_the_load() -> None:
    space = default(cores=2, in_flight=10, lab_pool=False)
    assert space.keys == {
        "server": ["uvicorn", "gunicorn"],
        "workers": ["1", "2"],
        "threadpool": ["4", "8", "16", "32", "64"],
    }
    assert "db_pool" in default(2, 10, lab_pool=True).keys
    assert powers(4, 40) == [4, 8, 16, 32, 64]


def test_the_search_starts_where_the_space_offers_the_most() -> None:
    base = load_catalogue()["uvicorn-single"]
    space = Space({"server": ["uvicorn", "gunicorn"], "workers": ["1", "2"], "threadpool": ["4", "16"]})
    configs = points(base, space)
    assert len(configs) == space.size == 8
    start = largest(configs, space)
    assert (start.server, start.workers, start.threadpool) == ("uvicorn", 2, 16)


@pytest.mark.parametrize("values", [["1", "01"]])
def test_values_that_name_the_same_point_are_one_point(values: list[str]) -> None:
    assert len(points(load_catalogue()["uvicorn-single"], Space({"workers": values}))) == 1
