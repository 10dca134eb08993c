"""`lab`: a thin command line. Each command lives in its own module, which adds its flags and runs it.

A command module has `add_arguments(parser)` and `run(args) -> int`; this file only maps names to modules
(imported on use, so `lab configs` does not pay for Locust's imports).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "configs": ("lab.commands.configs", "list the server configurations"),
    "serve": ("lab.commands.serve", "start one server configuration in the foreground"),
    "compare": ("lab.commands.compare", "drive configurations with Locust and write a comparison report"),
    "report": ("lab.commands.report", "render report.html again from a result directory's saved data"),
    "diff": ("lab.commands.diff", "put two result directories side by side with ratios"),
    "claims": ("lab.commands.claims", "check the articles' claims against measurements"),
    "up": ("lab.commands.up", "start the app, the Locust web UI and Prometheus; Ctrl-C stops all"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lab", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
