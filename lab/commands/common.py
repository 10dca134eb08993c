"""Flags and error reporting shared by the commands."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.shared.target import CATALOGUE, AppInfo, AppTarget, TargetError

if TYPE_CHECKING:
    from lab.shared.configs import ServerConfig

CONFIGS_HELP = (
    "a TOML file of configurations merged over the built-in ones (repeatable; default: $LAB_CONFIGS_FILE)"
)
SERVER_HOST = "127.0.0.1"


def deprecated(old: str, new: str) -> None:
    """The one warning of an old spelling kept for one release (issue 26 §3), on stderr."""
    from lab.shared.configs import deprecation

    print(deprecation(old, new), file=sys.stderr, flush=True)


class _OldSpelling(argparse.Action):
    """An old flag: stores into its new flag's dest, and warns."""

    def __init__(self, option_strings: Sequence[str], dest: str, new: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kwargs)
        self.new = new

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        deprecated(option_string or self.option_strings[0], self.new)
        setattr(namespace, self.dest, values)


def add_old_spelling(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    old: str,
    new: str,
    dest: str,
    type: Callable[[str], Any] = str,
) -> None:
    """`old` still read into `dest` (the flag `new`'s), hidden from --help, with the warning."""
    parser.add_argument(old, dest=dest, action=_OldSpelling, new=new, type=type, metavar=new[2:].upper())


def add_server_host(parser: argparse.ArgumentParser, help_text: str, old: str | None = None) -> None:
    """--server-host ADDRESS: the address the servers bind, the one name in every command (issue 26 §3;
    Locust's --host is the URL it sends to)."""
    parser.add_argument("--server-host", default=SERVER_HOST, metavar="ADDRESS", help=help_text)
    if old is not None:
        add_old_spelling(parser, old, "--server-host", "server_host")


def server_host_problem(address: str) -> str | None:
    """Why `address` cannot be where the lab's own clients (Locust, Prometheus) send, else None."""
    try:
        unspecified = ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return f"--server-host {address}: not an IP address"
    if unspecified:
        return f"--server-host {address}: give the address the clients reach, not every interface"
    return None


def add_configs_file(parser: argparse.ArgumentParser, flag: str = "--configs-file") -> None:
    """--configs-file FILE: the one spelling of a configurations file in every command (issue 12 §4)."""
    parser.add_argument(
        flag, dest="configs_file", metavar="FILE", action="append", default=[], help=CONFIGS_HELP
    )


def add_configs_names(parser: argparse.ArgumentParser, what: str) -> None:
    """--configs NAMES in a command that used to read a file there: names now, a file still accepted."""
    parser.add_argument(
        "--configs",
        dest="configs_names",
        metavar="NAMES",
        action="append",
        default=[],
        help=f"{what}; a FILE here (an existing file, or a name ending in .toml) is the old spelling of "
        "--configs-file, still read, with a warning",
    )


def _is_file(value: str) -> bool:
    return value.endswith(".toml") or Path(value).is_file()


def configs_names(args: argparse.Namespace) -> list[str]:
    """The names of --configs, comma-separated and repeatable. A value that is a file (it exists, or ends
    with .toml) is the old `--configs FILE`: it joins args.configs_file, with a deprecation warning."""
    names: list[str] = []
    for value in args.configs_names:
        if _is_file(value):
            print(
                f"lab: warning: --configs {value}: a file here is deprecated; write --configs-file {value} "
                "(--configs now takes configuration names)",
                file=sys.stderr,
            )
            args.configs_file.append(value)
        else:
            names += [n.strip() for n in value.split(",") if n.strip()]
    return names


def one_config(args: argparse.Namespace) -> str:
    """The configuration of a command that serves one (lab serve, lab up): CONFIG or --configs NAME;
    ConfigError when none, several, or two that disagree."""
    from lab.shared.configs import ConfigError

    names = list(dict.fromkeys([*([args.config] if args.config else []), *configs_names(args)]))
    if len(names) != 1:
        found = f" (got {', '.join(names)})" if names else ""
        raise ConfigError(f"name one configuration: CONFIG or --configs NAME{found}; see `lab configs`")
    name: str = names[0]
    return name


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


def add_target(parser: argparse.ArgumentParser) -> None:
    """--app, --factory, --app-dir, --metrics-path: the app under test, as uvicorn names it (issue 11)."""
    group = parser.add_argument_group(
        "the app under test (default: the configuration's `app`, else the lab's own catalogue)"
    )
    group.add_argument(
        "--app", metavar="MODULE:ATTR", help="your ASGI app, e.g. myservice.main:app (served unchanged)"
    )
    group.add_argument(
        "--factory", action="store_true", default=None, help="MODULE:ATTR is a function that builds the app"
    )
    group.add_argument(
        "--app-dir",
        metavar="DIR",
        help="put DIR first on sys.path in every worker (default: the current directory)",
    )
    group.add_argument(
        "--metrics-path",
        metavar="PATH",
        help="where the lab serves the app's Prometheus metrics (default: /metrics)",
    )


def target_of(args: argparse.Namespace, config: ServerConfig | None = None) -> AppTarget:
    """The app the flags name, else `config`'s, else the catalogue; app_dir made absolute here."""
    app, factory, app_dir, metrics_path = args.app, args.factory, args.app_dir, args.metrics_path
    if not app and (factory or app_dir):
        raise TargetError("--factory and --app-dir need --app MODULE:ATTR")
    base = config.target() if config is not None else CATALOGUE
    if app:
        base = AppTarget(app, bool(factory), app_dir, base.metrics_path)
    if metrics_path:
        base = replace(base, metrics_path=metrics_path)
    return base.resolved()


def check_target(target: AppTarget) -> AppInfo:
    """Import the app in a process of its own (lab.runtime.appcheck); TargetError says why it cannot run."""
    from lab.runtime.appcheck import inspect_app

    return inspect_app(target)
