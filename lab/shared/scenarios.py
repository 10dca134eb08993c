"""The scenarios: each name the lab uses, mapped to the locustfile and user class that run it.

A scenario is one way of writing one endpoint, loaded by one Locust user class (`io-sync` ->
`IoSyncUser` in `locustfiles/io_wait.py`, which requests `/io/sync`). Other parts of the lab run a scenario
headless with `locust -f <scenario.path> <scenario.user_class> --headless ...`; the user classes read
their endpoint and parameters from here, so each is written once. Pure data: importing this module does
not import Locust.

Request parameters come from Locust custom arguments (`--io-ms 37`), or their environment variables
(`LAB_IO_MS=37`), or the defaults below; they show in the web UI, where they can be changed per test.

Scenarios of a user's app (issue 11 §3) are built, not listed: every concrete `User` class of the user's
locustfile is one (`custom_scenarios`, kind "custom", named as the class), and `--endpoint 'GET /items/1'`
is one closed-loop user of the lab's `lab/loadgen/lab_endpoint.py` (`endpoint_scenario`, kind "endpoint").
Every headless run also loads `lab/loadgen/lab_plugin.py`, the exporter, so a user's file needs no import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# lab/locustfiles links to the repository's locustfiles/ and is shipped as package data, so a non-editable
# install finds them too; resolved, in a checkout it is the repository's own directory (issue 10).
LOCUSTFILES = (Path(__file__).resolve().parents[1] / "locustfiles").resolve()

Kind = Literal["io", "cpu", "fanout", "background", "noop", "mixed", "db", "custom", "endpoint"]

# Locust-side files the orchestrator names by path (it never imports them). Their names start with `lab_`:
# Locust imports a locustfile as a top-level module named after the file (`plugin`, `endpoint` could shadow
# a module of the user's).
LOADGEN = Path(__file__).resolve().parents[1] / "loadgen"
EXPORTER_PLUGIN = LOADGEN / "lab_plugin.py"
ENDPOINT_LOCUSTFILE = LOADGEN / "lab_endpoint.py"
ENDPOINT_USER = "EndpointUser"
ENDPOINT_OPTION = "--lab-endpoint"  # the Locust custom argument of ENDPOINT_USER's request
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# kind -> its locustfile. Not "io.py": Locust imports a locustfile under its file name, and a module `io`
# would replace the standard library's in sys.modules (the Locust process then crashes).
LOCUSTFILE: Mapping[Kind, str] = {
    "io": "locustfiles/io_wait.py",
    "cpu": "locustfiles/cpu.py",
    "fanout": "locustfiles/fanout.py",
    "background": "locustfiles/background.py",
    "noop": "locustfiles/noop.py",
    "mixed": "locustfiles/mixed.py",
    "db": "locustfiles/db.py",
}


# The bounds of each query parameter, the one place they live: the app validates requests with them (422
# naming the bound), `lab compare` checks its options against them, the claims' experiments stay inside.
QUERY_BOUNDS: Mapping[str, tuple[int, int]] = {"ms": (0, 10_000), "n": (1, 50)}
# A request's total wait where it is a product of its parameters: /fanout/* makes n upstream calls of ms each
# (in sequence for /fanout/sync). Bounded as a whole (issue 26 §5: n=39&ms=4977 held a worker thread for
# 195 s); read by the app (422 naming it) and by `lab compare`'s options (exit 2), like QUERY_BOUNDS.
TOTAL_WAIT_MS_MAX = 30_000


def total_wait_problem(n: int, ms: int, names: tuple[str, str] = ("n", "ms")) -> str | None:
    """Why n calls of ms each exceed TOTAL_WAIT_MS_MAX, naming the bound and the two values; else None."""
    if n * ms <= TOTAL_WAIT_MS_MAX:
        return None
    return (
        f"{names[0]} x {names[1]} = {n} x {ms} = {n * ms} ms: a request's total wait is at most "
        f"{TOTAL_WAIT_MS_MAX} ms ({TOTAL_WAIT_MS_MAX / 1000:g} s)"
    )


@dataclass(frozen=True)
class Parameter:
    """A query parameter set by a Locust custom argument, e.g. `ms` of /io/* by `--io-ms`."""

    query: str
    option: str
    default: int
    help: str

    @property
    def dest(self) -> str:
        """The attribute of Locust's `parsed_options` (`io_ms`)."""
        return self.option.removeprefix("--").replace("-", "_")

    @property
    def bounds(self) -> tuple[int, int]:
        """(lowest, highest) value the app accepts for this parameter."""
        return QUERY_BOUNDS[self.query]

    @property
    def env_var(self) -> str:
        """The environment variable that sets the argument (`LAB_IO_MS`)."""
        return "LAB_" + self.dest.upper()


IO_MS = Parameter("ms", "--io-ms", 100, "Milliseconds each /io/* request waits.")
CPU_MS = Parameter("ms", "--cpu-ms", 10, "Milliseconds of CPU work per /cpu/* request.")
FANOUT_N = Parameter("n", "--fanout-n", 5, "Upstream calls per /fanout/* request.")
FANOUT_MS = Parameter("ms", "--fanout-ms", 50, "Milliseconds each upstream call of /fanout/* waits.")
BACKGROUND_MS = Parameter("ms", "--background-ms", 50, "Milliseconds of /background work after the response.")
DB_MS = Parameter("ms", "--db-ms", 100, "Milliseconds each /db/* query waits in PostgreSQL (pg_sleep).")
PARAMETERS: tuple[Parameter, ...] = (IO_MS, CPU_MS, FANOUT_N, FANOUT_MS, BACKGROUND_MS, DB_MS)
# What mixed requests: no database (it runs where none is started).
_MIXED = (IO_MS, CPU_MS, FANOUT_N, FANOUT_MS, BACKGROUND_MS)


def slug(name: str) -> str:
    """A scenario name as a file name ("io-sync"; "GET /items/1" -> "GET-items-1-<hash of the name>")."""
    found = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    if found == name:
        return found
    # the hash keeps two names that differ only in the characters replaced apart ("/a/b", "/a-b")
    return f"{found}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"


@dataclass(frozen=True)
class Scenario:
    """One scenario; `handler` is the route template requested (Locust's `name=`, the server's `handler`)."""

    name: str
    kind: Kind
    locustfile: str  # relative to the repository root, or absolute (a user's locustfile)
    user_class: str
    handler: str | None  # None: several endpoints (mixed), or not known (a user's class, an endpoint)
    parameters: tuple[Parameter, ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # fixed Locust arguments, e.g. (("--lab-endpoint", "GET /"),)
    wait_time: str = ""  # a user's class: its wait_time as Locust sees it; "": the lab's users, no wait

    @property
    def path(self) -> Path:
        """The locustfile, absolute: `locust -f` works from any directory."""
        path = Path(self.locustfile)
        return path if path.is_absolute() else LOCUSTFILES.parent / path

    @property
    def slug(self) -> str:
        """The name as a file name (see `slug`)."""
        return slug(self.name)

    @property
    def defaults(self) -> dict[str, int]:
        """Default query parameters, e.g. {"ms": 100}."""
        return {p.query: p.default for p in self.parameters}

    def query(self, options: object) -> dict[str, int]:
        """The query parameters of one request, from Locust's `parsed_options` (defaults if absent)."""
        return {p.query: int(getattr(options, p.dest, p.default)) for p in self.parameters}


def _endpoint(
    name: str, kind: Kind, user_class: str, *parameters: Parameter, handler: str | None = None
) -> Scenario:
    """A single-endpoint scenario; its route is its name with slashes ("io-sync" -> "/io/sync")."""
    return Scenario(
        name=name,
        kind=kind,
        locustfile=LOCUSTFILE[kind],
        user_class=user_class,
        handler=handler or "/" + name.replace("-", "/"),
        parameters=parameters,
    )


SCENARIOS: Mapping[str, Scenario] = {
    s.name: s
    for s in (
        _endpoint("io-sync", "io", "IoSyncUser", IO_MS),
        _endpoint("io-sync-model", "io", "IoSyncModelUser", IO_MS, handler="/io/sync-model"),
        _endpoint("io-async", "io", "IoAsyncUser", IO_MS),
        _endpoint("io-blocking", "io", "IoBlockingUser", IO_MS),
        _endpoint("cpu-sync", "cpu", "CpuSyncUser", CPU_MS),
        _endpoint("cpu-async", "cpu", "CpuAsyncUser", CPU_MS),
        _endpoint("cpu-thread", "cpu", "CpuThreadUser", CPU_MS),
        _endpoint("cpu-process", "cpu", "CpuProcessUser", CPU_MS),
        _endpoint("fanout-sync", "fanout", "FanoutSyncUser", FANOUT_N, FANOUT_MS),
        _endpoint("fanout-async", "fanout", "FanoutAsyncUser", FANOUT_N, FANOUT_MS),
        _endpoint("background", "background", "BackgroundUser", BACKGROUND_MS),
        _endpoint("noop-sync", "noop", "NoopSyncUser"),
        _endpoint("noop-async", "noop", "NoopAsyncUser"),
        _endpoint("db-sync", "db", "DbSyncUser", DB_MS),
        _endpoint("db-async", "db", "DbAsyncUser", DB_MS),
        _endpoint("db-blocking", "db", "DbBlockingUser", DB_MS),
        Scenario("mixed", "mixed", LOCUSTFILE["mixed"], "MixedUser", None, _MIXED),
    )
}


class UnknownScenarioError(KeyError):
    """A scenario name that is not in SCENARIOS; the message lists the valid names."""

    def __str__(self) -> str:
        return str(self.args[0])


def _unknown(name: str, scenarios: Mapping[str, Scenario]) -> UnknownScenarioError:
    files = {s.locustfile for s in scenarios.values()}
    if scenarios and all(s.kind == "custom" for s in scenarios.values()) and len(files) == 1:
        return UnknownScenarioError(
            f"unknown scenario {name!r}; the User classes of {files.pop()} are: {', '.join(scenarios)}"
        )
    return UnknownScenarioError(f"unknown scenario {name!r}; valid scenarios: {', '.join(scenarios)}")


def get_scenario(name: str) -> Scenario:
    """The scenario called `name`; UnknownScenarioError (listing the valid names) otherwise."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise _unknown(name, SCENARIOS) from None


def select(scenarios: Mapping[str, Scenario], names: Sequence[str]) -> list[Scenario]:
    """The scenarios named (in that order, each once), all of them for no name; UnknownScenarioError
    naming the first unknown one and listing the valid ones (a user's classes: "the User classes of ...")."""
    for name in names:
        if name not in scenarios:
            raise _unknown(name, scenarios)
    return [scenarios[name] for name in dict.fromkeys(names or scenarios)]


def scenario_of(user_class: str) -> Scenario | None:
    """The scenario a Locust user class runs, by class name (None for a class not in the registry)."""
    return next((s for s in SCENARIOS.values() if s.user_class == user_class), None)


@dataclass(frozen=True)
class UserClassInfo:
    """A concrete Locust `User` class of a locustfile, as `python -m lab.loadgen.inspect FILE` reports it."""

    name: str
    base: str  # the Locust class it derives from: "HttpUser", "FastHttpUser", "User"...
    file: str  # where it is defined (a class imported from another module is still the file's, as in Locust)
    doc: str | None
    host: str | None
    weight: float
    fixed_count: int
    tasks: tuple[str, ...]  # task functions and TaskSet classes, by name
    wait_time: str = "constant(0)"  # as Locust sees it (lab.loadgen.wait.describe): "between(0.5, 1.5)"


def custom_scenarios(locustfile: str | Path, classes: Sequence[UserClassInfo]) -> dict[str, Scenario]:
    """One scenario per User class of a user's locustfile, named as the class (issue 11 §3)."""
    path = str(Path(locustfile).resolve())
    return {
        c.name: Scenario(c.name, "custom", path, c.name, handler=None, wait_time=c.wait_time) for c in classes
    }


def parse_endpoint(spec: str, option: str = "--endpoint") -> tuple[str, str]:
    """'GET /items/1' -> ('GET', '/items/1'); ValueError naming `option` and the reason otherwise."""
    parts = spec.split()
    if len(parts) != 2:
        raise ValueError(f"{option} {spec!r}: expected METHOD /path, e.g. 'GET /items/1'")
    method, path = parts[0].upper(), parts[1]
    if method not in METHODS:
        raise ValueError(f"{option} {spec!r}: method {parts[0]!r} is not one of {', '.join(METHODS)}")
    if not path.startswith("/"):
        raise ValueError(f"{option} {spec!r}: the path must start with '/', e.g. 'GET /items/1'")
    return method, path


def endpoint_scenario(spec: str) -> Scenario:
    """A closed-loop scenario requesting one endpoint ("GET /items/1") as fast as its users can."""
    method, path = parse_endpoint(spec)
    name = f"{method} {path}"
    return Scenario(
        name, "endpoint", str(ENDPOINT_LOCUSTFILE), ENDPOINT_USER, handler=None,
        options=((ENDPOINT_OPTION, name),),
    )  # fmt: skip
