"""`lab ...` refused in this process: the parser's or the command's usage error, without a subprocess.

`lab.cli.main` is what the `lab` script calls: argparse exits 2 on a flag it cannot parse, a command
returns 2 (through `lab.commands.common.fail`) on a value it refuses. Each command keeps one subprocess
test proving the exit status end to end; the other bad inputs go through here (about 1 s saved each).
"""

from __future__ import annotations

import pytest

from lab.cli import main


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run `lab ARGV` in this process, assert it exits 2 and printed nothing on stdout; its stderr."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert code == 2, (code, captured.out, captured.err)
    assert captured.out == "", captured.out
    return captured.err
