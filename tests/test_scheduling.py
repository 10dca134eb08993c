"""The first phase's order of modules (tests/scheduling.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.scheduling import Cost, pick, read_costs, summarize

REPO = Path(__file__).resolve().parents[1]


def test_with_no_load_running_the_module_with_the_most_load_goes_first() -> None:
    left = {"a": Cost(60, 0), "b": Cost(20, 10), "c": Cost(30, 25)}
    assert pick(left, load_running=False) == "c"


def test_while_a_load_runs_the_longest_module_without_one_goes() -> None:
    left = {"a": Cost(60, 0), "b": Cost(20, 10), "c": Cost(90, 25), "d": Cost(5, 0)}
    assert pick(left, load_running=True) == "a"


def test_once_only_loads_are_left_the_longest_goes_even_beside_a_load() -> None:
    assert pick({"b": Cost(20, 10), "c": Cost(30, 25)}, load_running=True) == "c"


def test_ties_go_by_name_so_two_runs_agree() -> None:
    assert pick({"x": Cost(5, 0), "y": Cost(5, 0)}, load_running=True) == "y"


def test_the_log_sums_per_module_without_the_waits(tmp_path: Path) -> None:
    lines = ["t/a.py::one\t3.00\t2.00\t6.00", "t/a.py::two\t0.00\t0.00\t1.50", "t/b.py::x\t0\t0\t0.25"]
    costs = summarize(lines)
    assert costs == {"t/a.py": Cost(4.5, 2.0), "t/b.py": Cost(0.2, 0.0)}
    table = tmp_path / "durations.tsv"
    out = subprocess.run(
        [sys.executable, "-m", "tests.scheduling", "/dev/stdin"],
        input="\n".join(lines), cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    table.write_text(out.stdout)
    assert read_costs(table) == costs


def test_the_committed_costs_name_modules_that_exist() -> None:
    costs = read_costs()
    assert len(costs) > 50
    assert all((REPO / module).is_file() for module in costs)


def test_xdist_runs_the_modules_in_that_order(tmp_path: Path) -> None:
    """A real `pytest -n 1 --dist loadfile` with the plugin: the load first, then the longest quiet one."""
    runs = tmp_path / "order.txt"
    for name in ("a", "b", "c", "d"):
        (tmp_path / f"test_{name}.py").write_text(
            f"def test_{name}():\n    open({str(runs)!r}, 'a').write('{name}\\n')\n"
        )
    costs = tmp_path / "durations.tsv"
    costs.write_text(
        "module\tseconds\tload_seconds\ntest_a.py\t5\t0\ntest_b.py\t20\t0\ntest_c.py\t8\t6\n"
    )  # test_d.py unknown: one test, one second, no load
    env = {
        **os.environ, "PYTHONPATH": str(REPO), "LAB_TESTS_DURATIONS": str(costs),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # the locust and schemathesis plugins take seconds to import
    }  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "xdist.plugin", "-p", "tests.scheduling",
         "-n", "1", "--dist", "loadfile",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, check=True, capture_output=True,
    )  # fmt: skip
    assert runs.read_text().split() == ["c", "b", "a", "d"]
