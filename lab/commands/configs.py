"""List the server configurations: the built-in catalogue with any user file merged on top.

process_pool is the number of processes in each worker's pool for /cpu/process (default: 2); db_pool the
database connections of each of a worker's pools for /db/* (default: 10). With --set,
each configuration listed is shown as it would run, under its overridden name, e.g.
`lab configs gunicorn-multi --set workers=4` shows gunicorn-multi[workers=4].
"""

from __future__ import annotations

import argparse

from lab.commands.common import (
    add_configs_file,
    add_configs_names,
    add_set,
    configs_names,
    fail,
    parse_overrides,
)

EXIT_STATUSES = {
    0: "listed",
    2: "usage error: an unknown configuration, a configurations file that cannot be read, a bad --set",
}
HEADER = ["name", "server", "workers", "threadpool", "process_pool", "db_pool", "loop/http", "description"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names", metavar="CONFIG", nargs="*", help="configurations to show (default: every one)"
    )
    add_configs_names(parser, "configurations to show, comma-separated (as CONFIG gives them)")
    add_configs_file(parser)
    add_set(parser)


def render_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from lab.shared.configs import ConfigError, get, load_catalogue

    names = list(dict.fromkeys([*args.names, *configs_names(args)]))  # first: it may add a file
    try:
        catalogue = load_catalogue(args.configs_file)
        overrides = parse_overrides(args.overrides)
        chosen = [get(catalogue, name) for name in names] or list(catalogue.values())
        shown = [cfg.with_overrides(overrides) for cfg in chosen]
    except (ConfigError, ValueError) as exc:
        return fail(str(exc))
    rows = [HEADER]
    for cfg in shown:
        workers = f"auto ({cfg.resolved_workers()})" if cfg.workers == "auto" else str(cfg.workers)
        rows.append(
            [
                cfg.name,
                cfg.server,
                workers,
                str(cfg.threadpool),
                str(cfg.process_pool),
                str(cfg.db_pool),
                f"{cfg.loop}/{cfg.http}",
                cfg.description,
            ]
        )
    print(render_table(rows))
    return 0
