"""One module per `lab` command: `add_arguments(parser)` and `run(args) -> int`."""

from __future__ import annotations
