"""The search space of `lab tune` (issue 23): `--space KEY=V1,V2,...` (the keys of `--set`), or one derived
from the machine and the load; each point a configuration made by `ServerConfig.with_overrides`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from lab.compare.run.asked import SWEEP_KEYS, names
from lab.shared.configs import ConfigError, ServerConfig

SERVERS = ("uvicorn", "gunicorn")  # the default space's servers (granian has no thread-pool knob to tune)
MIN_TOKENS = 4
ORDERED = ("workers", "threadpool", "process_pool", "db_pool")  # numeric: more is more capacity


class SpaceError(ValueError):
    """A space the lab cannot search (unknown key, no value, a value no configuration takes): exit 2."""


@dataclass(frozen=True)
class Space:
    keys: dict[str, list[str]]

    @property
    def size(self) -> int:
        size = 1
        for values in self.keys.values():
            size *= len(values)
        return size

    def describe(self) -> str:
        return " ".join(f"{k}={','.join(v)}" for k, v in self.keys.items())


def parse(pairs: list[str]) -> Space:
    """`KEY=V1,V2,...` flags as a Space; SpaceError names the bad one."""
    keys: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, values = pair.partition("=")
        key = key.strip()
        if not sep or not key or not names(values):
            raise SpaceError(f"--space {pair!r}: expected KEY=V1,V2,..., e.g. threadpool=4,8,16")
        if key not in SWEEP_KEYS:
            raise SpaceError(f"--space {key}: not a key of --set (valid: {', '.join(SWEEP_KEYS)})")
        if key in keys:
            raise SpaceError(f"--space {key}: given twice")
        keys[key] = list(dict.fromkeys(names(values)))
    return Space(keys)


def powers(low: int, high: int) -> list[int]:
    """low, 2 low, 4 low, ... up to the first at or above high."""
    found = [low]
    while found[-1] < high:
        found.append(found[-1] * 2)
    return found


def default(cores: int, in_flight: int, lab_pool: bool) -> Space:
    """The machine's space: the servers, workers 1..cores, tokens 4..4 x the users, db_pool for the
    lab's pool (its scenarios only)."""
    keys = {
        "server": list(SERVERS),
        "workers": [str(w) for w in range(1, max(cores, 1) + 1)],
        "threadpool": [str(t) for t in powers(MIN_TOKENS, 4 * max(in_flight, 1))],
    }
    if lab_pool:
        keys["db_pool"] = [str(p) for p in powers(MIN_TOKENS, max(in_flight, MIN_TOKENS))]
    return Space(keys)


def points(base: ServerConfig, space: Space) -> list[ServerConfig]:
    """Every configuration of the space, in the grid's order; SpaceError for a value none takes."""
    found: dict[str, ServerConfig] = {}
    for combination in itertools.product(*space.keys.values()):
        overrides = dict(zip(space.keys, combination, strict=True))
        try:
            cfg = base.with_overrides(overrides)
        except ConfigError as exc:
            raise SpaceError(f"--space: {exc}") from None
        found.setdefault(cfg.name, cfg)
    if not found:
        raise SpaceError("--space: the space is empty")
    return list(found.values())


def largest(configs: list[ServerConfig], space: Space) -> ServerConfig:
    """Where the search starts: the first value of each named key (the server), the most of each number."""

    def rank(cfg: ServerConfig) -> tuple[int, ...]:
        firsts = tuple(-space.keys[k].index(str(getattr(cfg, k))) for k in space.keys if k not in ORDERED)
        numbers = tuple(int(getattr(cfg, k)) if str(getattr(cfg, k)).isdigit() else 0 for k in ORDERED)
        return (*firsts, *numbers)

    return max(configs, key=rank)


def _position(values: list[str], value: str) -> int:
    """Where `value` was given among `values` (a value validated into another spelling: last)."""
    return values.index(value) if value in values else len(values)
