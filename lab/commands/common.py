"""Flags and error reporting shared by the commands."""

from __future__ import annotations

import argparse
import sys

CONFIGS_HELP = "a TOML file of configurations merged over the built-in ones (default: $LAB_CONFIGS)"


def add_configs_file(parser: argparse.ArgumentParser, flag: str = "--configs") -> None:
    parser.add_argument(
        flag, dest="configs_file", metavar="FILE", action="append", default=[], help=CONFIGS_HELP
    )


def fail(message: str) -> int:
    """Print a clear error and return the usage-error exit status (2)."""
    print(f"lab: error: {message}", file=sys.stderr)
    return 2
