"""The house rule: imports flow one way, so each module knows which process it runs in.

    shared data <- server / loadgen <- runtime <- measure <- compare / claims <- commands

The server runs inside uvicorn, gunicorn or granian and the load generator inside Locust: they import
only shared data. The orchestrator (runtime and above) starts them as processes, by name, and never
imports them (their collectors and gevent's patching belong to their own processes). compare and claims
both call the one measurement path and never each other. docs/architecture.md draws it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAB = Path(__file__).resolve().parent.parent / "lab"

ORCHESTRATOR = {"lab.shared", "lab.runtime", "lab.measure"}
# package -> the packages it may import besides itself
ALLOWED = {
    "lab.shared": set(),
    "lab.server": {"lab.shared"},
    "lab.loadgen": {"lab.shared"},
    "lab.app": {"lab.server"},  # compatibility: `uvicorn --factory lab.app:create_app`
    "lab.locust_metrics": {"lab.loadgen"},  # compatibility: `import lab.locust_metrics` in a locustfile
    "lab.runtime": {"lab.shared"},
    "lab.measure": {"lab.shared", "lab.runtime"},
    "lab.model": {"lab.shared"},  # pure functions over typed data (issue 21)
    "lab.compare": ORCHESTRATOR | {"lab.model"},
    "lab.claims": ORCHESTRATOR | {"lab.model"},
    "lab.commands": ORCHESTRATOR | {"lab.model", "lab.compare", "lab.claims"},
    "lab.cli": {"lab.commands"},
    "lab.__main__": {"lab.cli"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(LAB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def lab_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of the lab in `source`, function-level ones included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "lab"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lab":
            if node.module == "lab":  # `from lab import server` imports lab.server
                found += [(node.lineno, f"lab.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(module: str, source: str) -> list[str]:
    me = package(module)
    if me == "lab":
        return []
    allowed = ALLOWED.get(me)
    if allowed is None:
        return [f"{module}: package {me} has no place in the rule"]
    return [
        f"{module}:{line} imports {target}"
        for line, target in lab_imports(source)
        if package(target) != me and package(target) not in allowed
    ]


def test_imports_flow_one_way() -> None:
    found = [
        v
        for path in sorted(LAB.rglob("*.py"))
        for v in violations(module_name(path), path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "bad"),
    [
        (
            "lab.runtime.launcher",
            "from lab.server import probes\n",
            True,
        ),  # server collectors in the orchestrator
        ("lab.server.app", "import lab.loadgen.metrics\n", True),
        ("lab.claims.runner", "from lab.compare.runner import Comparison\n", True),
        ("lab.compare.runner", "from lab import claims\n", True),
        ("lab.shared.scenarios", "def f():\n    from lab.measure import scrape\n", True),  # in a function
        ("lab.newthing.x", "", True),  # a package must be placed in the rule
        ("lab.compare.runner", "from lab.measure import scrape\nfrom lab.shared import scenarios\n", False),
        ("lab.commands.compare", "from lab.compare import report\nfrom lab.runtime import launcher\n", False),
    ],
)
def test_the_rule_catches_a_forbidden_import(module: str, source: str, bad: bool) -> None:
    assert bool(violations(module, source)) is bad
