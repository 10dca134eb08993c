"""Flags and error reporting shared by the commands."""

from __future__ import annotations

import argparse
import sys

CONFIGS_HELP = "a TOML file of configurations merged over the built-in ones (default: $LAB_CONFIGS)"


def add_configs_file(parser: argparse.ArgumentParser, flag: str = "--configs") -> None:
    parser.add_argument(
        flag, dest="configs_file", metavar="FILE", action="append", default=[], help=CONFIGS_HELP
    )


def add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override one key of the configuration, e.g. --set threadpool=100 (repeatable); "
        "the result is named by what differs, e.g. uvicorn-single[threadpool=100]",
    )


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """['threadpool=100', 'workers=4'] -> {'threadpool': '100', 'workers': '4'} (ValueError if malformed)."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE")
        overrides[key.strip()] = value.strip()
    return overrides


def fail(message: str) -> int:
    """Print a clear error and return the usage-error exit status (2)."""
    print(f"lab: error: {message}", file=sys.stderr)
    return 2
