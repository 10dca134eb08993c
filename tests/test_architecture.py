"""The house rule: imports flow one way, so each module knows which process it runs in.

    shared data <- server / loadgen <- runtime <- measure <- compare / claims <- commands

The server runs inside uvicorn, gunicorn or granian and the load generator inside Locust: they import
only shared data. The orchestrator (runtime and above) starts them as processes, by name, and never
imports them (their collectors and gevent's patching belong to their own processes). compare and claims
both call the one measurement path and never each other. Inside lab.compare the rooms flow one way too:

    results <- the model (the modules at lab/compare/'s top) <- report <- run

No module imports back into a module that imports it, not even behind `TYPE_CHECKING` or inside a function
(a circle means neither side can be read, tested or moved alone). No module is over 300 lines and no
function over 60. docs/architecture.md draws it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest

LAB = Path(__file__).resolve().parent.parent / "lab"

ORCHESTRATOR = {"lab.shared", "lab.runtime", "lab.measure"}
# package -> the packages it may import besides itself
ALLOWED = {
    "lab.shared": set(),
    "lab.server": {"lab.shared"},
    "lab.loadgen": {"lab.shared"},
    "lab.runtime": {"lab.shared"},
    "lab.measure": {"lab.shared", "lab.runtime"},
    "lab.model": {"lab.shared"},  # pure functions over typed data (issue 21)
    "lab.stats": set(),  # bootstrap and significance over runs, pure functions (issue 22)
    "lab.compare": ORCHESTRATOR | {"lab.model", "lab.stats"},
    "lab.claims": ORCHESTRATOR | {"lab.model", "lab.stats"},
    "lab.tune": ORCHESTRATOR
    | {"lab.model", "lab.stats", "lab.compare"},  # the search runs cells through compare's runner
    "lab.commands": ORCHESTRATOR | {"lab.model", "lab.stats", "lab.compare", "lab.claims", "lab.tune"},
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


# Inside lab.compare: room -> the rooms it may import besides itself. "lab.compare" is a module at the
# package's top (today the model's wiring: diagnosis, little, explain, explain_app, handlers); the run's
# provenance is lab.shared.provenance, a floor below every room.
COMPARE_ROOMS = {
    "lab.compare.results": set(),
    "lab.compare": {"lab.compare.results"},
    "lab.compare.report": {"lab.compare.results", "lab.compare"},
    "lab.compare.run": {"lab.compare.results", "lab.compare", "lab.compare.report"},
    "lab.compare.ab": {"lab.compare.results", "lab.compare", "lab.compare.report", "lab.compare.run"},
}

MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def room(module: str) -> str:
    """The room of a module of lab.compare: its sub-package, or "lab.compare" for a top-level module."""
    rooms = [r for r in COMPARE_ROOMS if r != "lab.compare"]
    return next((r for r in rooms if module == r or module.startswith(r + ".")), "lab.compare")


def room_violations(module: str, source: str) -> list[str]:
    if package(module) != "lab.compare":
        return []
    me = room(module)
    return [
        f"{module}:{line} imports {target} (room {room(target)})"
        for line, target in lab_imports(source)
        if package(target) == "lab.compare" and room(target) != me and room(target) not in COMPARE_ROOMS[me]
    ]


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(LAB.rglob("*.py"))}


def module_imports(module: str, source: str, known: Mapping[str, object]) -> set[str]:
    """The modules of the lab that `module` imports, under TYPE_CHECKING and in functions too.

    `from a.b import c` imports the module a.b.c when there is one (else the names of a.b); a relative
    import is resolved against the package of `module` (the lab has none today).
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".")[: -node.level]
                base = ".".join([*here, *([base] if base else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != module}


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan), each sorted; the list sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def import_graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    return {m: module_imports(m, src, sources) for m, src in sources.items()}


def oversize(name: str, source: str) -> list[str]:
    """`name` (a path) over MAX_MODULE_LINES, and each of its functions over MAX_FUNCTION_LINES."""
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name}: {lines} lines")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{name}:{node.name}: {length} lines")
    return found


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


def test_compare_rooms_flow_one_way() -> None:
    found = [v for m, path in modules().items() for v in room_violations(m, path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "bad"),
    [
        ("lab.compare.results.summary", "from lab.compare.report import tables\n", True),
        ("lab.compare.model", "def f():\n    from lab.compare.run import runner\n", True),
        ("lab.compare.report.figures", "from lab.compare.run.plan import Plan\n", True),
        (
            "lab.compare.run.runner",
            "from lab.compare.report import tables\nfrom lab.compare import model\n",
            False,
        ),
        ("lab.compare.report.report", "from lab.compare.results import summary\n", False),
    ],
)
def test_the_rooms_catch_a_backward_import(module: str, source: str, bad: bool) -> None:
    assert bool(room_violations(module, source)) is bad


def test_no_import_circles() -> None:
    sources = {m: path.read_text(encoding="utf-8") for m, path in modules().items()}
    found = circles(import_graph(sources))
    assert found == []


@pytest.mark.parametrize(
    "sources",
    [
        {"lab.a": "from lab.b import x\n", "lab.b": "from lab.a import y\n"},
        {  # behind TYPE_CHECKING
            "lab.a": "from lab import b\n",
            "lab.b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lab.a import Y\n",
        },
        {  # in a function, three long
            "lab.p.a": "from lab.p import b\n",
            "lab.p.b": "import lab.p.c\n",
            "lab.p.c": "def f():\n    from lab.p.a import g\n",
            "lab.p": "",
        },
        {"lab.p.a": "from .b import x\n", "lab.p.b": "from . import a\n", "lab.p": ""},  # relative
    ],
)
def test_a_synthetic_circle_is_found(sources: dict[str, str]) -> None:
    assert len(circles(import_graph(sources))) == 1


def test_a_chain_is_no_circle() -> None:
    sources = {"lab.a": "from lab.b import x\n", "lab.b": "from lab.c import y\n", "lab.c": "import os\n"}
    assert circles(import_graph(sources)) == []


def test_modules_and_functions_are_small() -> None:
    found = [
        v
        for path in sorted(LAB.rglob("*.py"))
        for v in oversize(str(path.relative_to(LAB.parent)), path.read_text(encoding="utf-8"))
    ]
    assert found == [], "over 300 lines a module or 60 a function: " + ", ".join(found)


def test_the_size_rule_names_the_offenders() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    found = oversize("lab/x.py", f"def long():\n{body}\n\n\ndef short():\n    pass\n" + "#\n" * 240)
    assert found == ["lab/x.py: 305 lines", "lab/x.py:long: 61 lines"]
