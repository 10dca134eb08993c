"""List the server configurations: the built-in catalogue with any user file merged on top."""

from __future__ import annotations

import argparse

from lab.commands.common import add_configs_file, fail


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_configs_file(parser)


def render_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from lab.configs import ConfigError, load_catalogue

    try:
        catalogue = load_catalogue(args.configs_file)
    except ConfigError as exc:
        return fail(str(exc))
    rows = [["name", "server", "workers", "threadpool", "loop/http", "description"]]
    for cfg in catalogue.values():
        workers = f"auto ({cfg.resolved_workers()})" if cfg.workers == "auto" else str(cfg.workers)
        rows.append(
            [cfg.name, cfg.server, workers, str(cfg.threadpool), f"{cfg.loop}/{cfg.http}", cfg.description]
        )
    print(render_table(rows))
    return 0
