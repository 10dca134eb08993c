"""`lab`: a thin command line. Each command lives in its own module, which adds its flags and runs it.

A command module has `add_arguments(parser)`, `run(args) -> int` and `EXIT_STATUSES` (what each status it
returns means: the end of its --help); this file only maps names to modules (imported on use, so
`lab configs` does not pay for Locust's imports).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from collections.abc import Mapping, Sequence
from importlib import metadata

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "configs": ("lab.commands.configs", "list the server configurations"),
    "serve": ("lab.commands.serve", "start one server configuration in the foreground"),
    "compare": ("lab.commands.compare", "drive configurations with Locust and write a comparison report"),
    "run": ("lab.commands.run", "measure a running service the lab did not start, as compare does"),
    "report": ("lab.commands.report", "render report.html again from a result directory's saved data"),
    "ab": ("lab.commands.ab", "measure two versions of your app interleaved and judge B against A"),
    "tune": ("lab.commands.tune", "find the configuration that meets your SLOs, with few runs"),
    "diff": ("lab.commands.diff", "put two result directories side by side with ratios"),
    "claims": ("lab.commands.claims", "check the articles' claims against measurements"),
    "up": ("lab.commands.up", "start the app, the Locust web UI and Prometheus; Ctrl-C stops all"),
}


DISTRIBUTION = "fastapi-load-lab"
EXIT_STATUS_TITLE = "exit status:"


def version() -> str:
    """The installed distribution's version (pyproject.toml's, once installed)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree never installed
        return "unknown (not installed)"


def exit_statuses(statuses: Mapping[int, str]) -> str:
    """The end of a command's --help: each exit status and what it means, in one form for every command."""
    lines = [EXIT_STATUS_TITLE]
    for code, meaning in statuses.items():
        lines += textwrap.wrap(meaning, 104, initial_indent=f"  {code:<5}", subsequent_indent=" " * 7)
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lab", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"lab {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(
            name,
            help=help_text,
            description=module.__doc__,
            epilog=exit_statuses(module.EXIT_STATUSES),
            formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps the epilog's lines as written
        )
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
