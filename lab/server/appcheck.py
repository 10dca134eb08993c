"""`python -m lab.server.appcheck TARGET_JSON OUT`: import the app under test once, before any server starts.

Writes the `AppInfo` (routes and the kind of each endpoint) as JSON to OUT, or exits 2 with the reason on
stderr: a module that does not import (with the error and `sys.path`), a missing attribute, an object that
is not an ASGI app, a metrics path the app already routes. Run in a process of its own: the orchestrator
never imports the user's code (nor the server's), and whatever the import does dies with this process.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from lab.server.loading import check_metrics_path, describe, load
from lab.shared.target import AppTarget, TargetError


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m lab.server.appcheck TARGET_JSON OUT", file=sys.stderr)
        return 2
    try:
        target = AppTarget(**json.loads(argv[0]))
        app = load(target)
        check_metrics_path(target, app)
        info = describe(target, app)
    except TargetError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    Path(argv[1]).write_text(json.dumps(asdict(info), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
