"""Server configurations as data: a typed model, the built-in catalogue, user files merged on top."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from lab.shared.cores import usable_cpus
from lab.shared.target import DEFAULT_METRICS_PATH, AppTarget, TargetError, target_from

# "external": a running service the lab did not start (`lab run --host`, lab.shared.service); never launched.
Server = Literal["uvicorn", "gunicorn", "granian", "external"]
Loop = Literal["auto", "uvloop", "asyncio"]
Http = Literal["auto", "httptools", "h11"]

CONFIGS_ENV = "LAB_CONFIGS_FILE"  # files, as --configs-file; LAB_CONFIG (lab.loadgen) is one name
OLD_CONFIGS_ENV = "LAB_CONFIGS"  # its old spelling, read with a warning until the next release
ENV_PREFIX = "LAB_"  # a server process reads its configuration from LAB_<FIELD> (ServerConfig.to_env)
# The name is LAB_CONFIG, as Locust's --lab-config reads it too; every other field is LAB_<FIELD>.
ENV_NAMES = {"name": "LAB_CONFIG"}
WORKERS_MAX = 64  # the one bound on worker processes: configured, overridden or "auto" (issue 27)
TARGET_KEYS = ("app", "factory", "app_dir", "metrics_path")  # the app served, not how: not for --set
_WORD = r"[A-Za-z0-9][A-Za-z0-9._-]*"
BASE_NAME = re.compile(rf"^{_WORD}$")
# An overridden configuration is named by its overrides: base[key=value,...], keys sorted (issue 17).
NAME = rf"^{_WORD}(\[[a-z_]+=[A-Za-z0-9._-]+(,[a-z_]+=[A-Za-z0-9._-]+)*\])?$"


def thread_tokens(workers: int, threadpool: int) -> int:
    """Thread-pool tokens of a whole server: each worker process has its own anyio limiter of `threadpool`.

    The one place this product is taken: the model's ceilings, the report and the claims all read it."""
    return workers * threadpool


class ConfigError(ValueError):
    """A configuration name, file, key or value the lab cannot use; the message says which."""


class ServerConfig(BaseModel):
    """One way of serving the app: which server, how many processes, how many threads each."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME)
    server: Server
    workers: int | Literal["auto"] = Field(1, description='Processes, or "auto" = usable cores.')
    threadpool: int = Field(40, ge=1, le=10_000, description="anyio thread-pool tokens per process.")
    loop: Loop = "auto"
    http: Http = "auto"
    process_pool: int = Field(2, ge=1, le=64, description="Processes in each worker's pool for /cpu/process.")
    db_pool: int = Field(10, ge=1, le=1000, description="Database connections per pool per worker (/db/*).")
    description: str = Field("", description="One sentence; absent or empty: generated from the values.")
    # The app to serve, as uvicorn names it (issue 11); absent: the lab's own catalogue.
    app: str | None = Field(None, description="MODULE:ATTR of the app to serve; absent: the lab's catalogue.")
    factory: bool = Field(False, description="Call `app` to build the app (uvicorn's --factory).")
    app_dir: str | None = Field(None, description="First on sys.path in every worker (uvicorn's --app-dir).")
    metrics_path: str = Field(DEFAULT_METRICS_PATH, description="Where the lab serves the app's metrics.")
    # The configuration an override was made from (None for a catalogue entry); see with_overrides.
    _base: ServerConfig | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _check(self) -> ServerConfig:
        if isinstance(self.workers, int) and not 1 <= self.workers <= WORKERS_MAX:
            raise ValueError(f'workers must be between 1 and {WORKERS_MAX} or "auto", got {self.workers}')
        if self.server == "granian" and self.http != "auto":
            raise ValueError('http: granian parses HTTP in Rust; only "auto" applies to it')
        try:
            self.target()
        except TargetError as exc:
            raise ValueError(str(exc)) from None
        if not self.description:
            # Frozen model: set once, here, before anyone sees it; not in model_fields_set, so
            # with_overrides knows it was generated and generates it again for the new values.
            object.__setattr__(self, "description", self.summary())
        return self

    def target(self) -> AppTarget:
        """The app this configuration serves (`app_dir` as given: resolve it where the command runs)."""
        return target_from(self.model_dump(include=set(TARGET_KEYS)))

    def summary(self) -> str:
        """The generated description, e.g. "uvicorn, 1 worker, 40 tokens"."""
        workers = "1 worker" if self.workers == 1 else f"{self.workers} workers"
        parts = [self.server, workers, f"{self.threadpool} tokens"]
        parts += [f"{key} {getattr(self, key)}" for key in ("loop", "http") if getattr(self, key) != "auto"]
        default_pool = ServerConfig.model_fields["process_pool"].default
        if self.process_pool != default_pool:
            parts.append(f"process pool {self.process_pool}")
        if self.db_pool != ServerConfig.model_fields["db_pool"].default:
            parts.append(f"db pool {self.db_pool}")
        if self.app:
            parts.append(f"app {self.app}")
        return ", ".join(parts)

    def resolved_workers(self, cpus: Sequence[int] | None = None) -> int:
        """The number of worker processes: "auto" is the cores this launch may use (at most WORKERS_MAX)."""
        if self.workers == "auto":
            return min(len(cpus) if cpus else len(usable_cpus()), WORKERS_MAX)
        return self.workers

    def to_env(self, target: AppTarget | None = None, workers: int | None = None) -> dict[str, str]:
        """The `LAB_*` environment a server process reads this configuration from (`from_env`).

        `target`: the app as launched (--app wins over the configuration's, app_dir resolved); `workers`:
        the resolved count (default: resolved here)."""
        values = {
            **self.model_dump(),
            **asdict(target or self.target()),
            "workers": workers if workers is not None else self.resolved_workers(),
        }
        return {env_name(key): _env_value(value) for key, value in values.items()}

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ServerConfig:
        """The configuration `to_env` wrote; unset or empty variables take the defaults (a server started by
        hand, with no LAB_* at all, is the catalogue on uvicorn, named "default")."""
        data = {key: environ[env_name(key)] for key in cls.model_fields if environ.get(env_name(key))}
        return _build(data.pop("name", "default"), {"server": "uvicorn", **data}, "the LAB_* environment")

    def with_overrides(self, overrides: Mapping[str, str]) -> ServerConfig:
        """A validated copy with `--set KEY=VALUE` overrides applied, named by what differs from its base.

        The name is `base[key=value,...]`: keys sorted, values as validated (`threadpool=0100` is
        `threadpool=100`). Only keys whose value differs from the base configuration are named, so setting a
        key to the value it has keeps the base name, and overriding an override starts again from the base.
        The description becomes "<base description>; overridden: key=value, ..." (a generated one is
        generated again for the new values); `--set description=...` replaces it and is not named.
        """
        base = self._base or self
        data = self.model_dump()
        for key, raw in overrides.items():
            if key in TARGET_KEYS:
                raise ConfigError(
                    f"--set {key}: the app is chosen with --app, --factory, --app-dir and --metrics-path"
                )
            if key not in ServerConfig.model_fields or key == "name":
                valid = ", ".join(k for k in ServerConfig.model_fields if k not in ("name", *TARGET_KEYS))
                raise ConfigError(f"--set {key}: unknown key (valid keys: {valid})")
            data[key] = raw if key == "description" else _parse_value(raw)
        origin = f"--set on {self.name!r}"
        candidate = _build(base.name, {**data, "description": "-"}, origin)
        changed = {
            key: str(value)
            for key, value in sorted(candidate.model_dump(exclude={"name", "description"}).items())
            if value != getattr(base, key)
        }
        if not changed:
            return base if "description" not in overrides else _build(base.name, data, origin)
        if "description" in overrides:
            description = overrides["description"]
        else:
            own = "description" in base.model_fields_set
            described = base.description.rstrip(".") if own else candidate.summary()
            description = f"{described}; overridden: {', '.join(f'{k}={v}' for k, v in changed.items())}"
        named = f"{base.name}[{','.join(f'{k}={v}' for k, v in changed.items())}]"
        result = _build(named, {**data, "description": description}, origin)
        result._base = base
        return result


def env_name(key: str) -> str:
    """A configuration key's environment variable: `threadpool` -> LAB_THREADPOOL, `name` -> LAB_CONFIG."""
    return ENV_NAMES.get(key, ENV_PREFIX + key.upper())


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw  # a bare word such as uvloop or auto


def _build(name: str, data: Mapping[str, Any], origin: str) -> ServerConfig:
    try:
        return ServerConfig.model_validate({**data, "name": name})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"configuration {name!r} ({origin}): {problems}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None


def builtin_tables() -> dict[str, Any]:
    return tomllib.loads(resources.files("lab.shared").joinpath("configs.toml").read_text(encoding="utf-8"))


def deprecation(old: str, new: str) -> str:
    """The warning of an old spelling (a flag or an environment variable) kept for one release."""
    return f"lab: warning: {old} is deprecated, use {new}; the old spelling goes in the next release"


def user_files(explicit: Iterable[str | Path] = ()) -> list[Path]:
    """Files named on the command line, else those in LAB_CONFIGS_FILE (separated by os.pathsep), else
    in its old spelling LAB_CONFIGS (with a warning on stderr)."""
    files = [Path(f) for f in explicit if f]
    if files:
        return files
    value = os.environ.get(CONFIGS_ENV)
    if not value and os.environ.get(OLD_CONFIGS_ENV):
        print(deprecation(OLD_CONFIGS_ENV, CONFIGS_ENV), file=sys.stderr, flush=True)
        value = os.environ[OLD_CONFIGS_ENV]
    return [Path(f) for f in (value or "").split(os.pathsep) if f]


def load_catalogue(files: Iterable[str | Path] = ()) -> dict[str, ServerConfig]:
    """Built-in configurations with every user file merged on top, in order, all validated."""
    tables: dict[str, dict[str, Any]] = {k: dict(v) for k, v in builtin_tables().items()}
    origins = dict.fromkeys(tables, "built-in")
    for path in user_files(files):
        for name, table in _read_toml(path).items():
            if not BASE_NAME.match(name):
                raise ConfigError(
                    f"{path}: [{name}]: a name is letters, digits, '.', '_' and '-' "
                    "(base[key=value] names are made by --set)"
                )
            if not isinstance(table, dict):
                raise ConfigError(f"{path}: {name!r} must be a table ([{name}]), not a value")
            tables[name] = {**tables.get(name, {}), **table}
            origins[name] = str(path)
    return {name: _build(name, table, origins[name]) for name, table in tables.items()}


def get(catalogue: Mapping[str, ServerConfig], name: str) -> ServerConfig:
    """The configuration called `name`, or a ConfigError that lists the valid names."""
    try:
        return catalogue[name]
    except KeyError:
        raise ConfigError(f"unknown configuration {name!r}; valid: {', '.join(catalogue)}") from None
