"""Progress on stderr: plain lines when stderr is not a terminal, a live bar (rich) when it is."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from lab.compare.run.progress import Progress


def test_plain_lines_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress([10.0, 20.0])

    progress.show("uvicorn-single x io-sync")
    progress.step()
    progress.show("uvicorn-single x io-async")
    progress.step()
    progress.close()

    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == "0/2  uvicorn-single x io-sync  ETA 0m30s"
    assert re.fullmatch(r"1/2  uvicorn-single x io-async  ETA \dm\d\ds", lines[1])
    assert len(lines) == 2 and "\x1b" not in captured.err  # no control codes in a CI log


def test_a_live_bar_on_a_terminal() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    progress = Progress([60.0, 60.0, 65.0], console=console)

    progress.show("gunicorn-multi x cpu-sync")
    first = screen.getvalue()
    progress.step()
    progress.show("gunicorn-multi x cpu-async")
    progress.step()
    progress.step()
    progress.close()

    assert "0/3 gunicorn-multi x cpu-sync ETA 3m05s" in first
    text = screen.getvalue()
    assert "1/3 gunicorn-multi x cpu-async ETA" in text
    assert "\r" in text  # redrawn in place, not a line per step
    assert "3/3" in text.rsplit("\r", 1)[-1]  # the bar left on screen says every cell ran
