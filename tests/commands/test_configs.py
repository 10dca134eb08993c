"""`lab configs`, `lab serve` and `lab up` with --configs NAMES and --configs-file FILE (issue 12 §4):
the new spellings, and the old `--configs FILE` still working with a deprecation warning."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.cli import build_parser
from lab.commands.up import plan_of
from lab.shared.configs import ConfigError
from tests.conftest import free_port

LAB = [sys.executable, "-m", "lab"]
MINE = '[mine]\nserver = "uvicorn"\nworkers = 1\nthreadpool = 7\ndescription = "My own."\n'


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(MINE)
    return path


def _lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LAB, *args], capture_output=True, text=True, timeout=60)


def _rows(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines()[2:] if line.strip()]


def test_configs_takes_names_and_a_file(mine: Path) -> None:
    done = _lab("configs", "--configs", "mine,uvicorn-single", "--configs-file", str(mine))

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert [row[:4] for row in _rows(done.stdout)] == [
        ["mine", "uvicorn", "1", "7"],
        ["uvicorn-single", "uvicorn", "1", "40"],
    ]


def test_configs_old_file_spelling_warns_and_still_reads_it(mine: Path) -> None:
    done = _lab("configs", "mine", "--configs", str(mine))

    assert done.returncode == 0, done.stderr
    assert f"--configs {mine}: a file here is deprecated; write --configs-file {mine}" in done.stderr
    assert [row[:4] for row in _rows(done.stdout)] == [["mine", "uvicorn", "1", "7"]]


def test_configs_unknown_name_exits_2() -> None:
    done = _lab("configs", "--configs", "nope")

    assert done.returncode == 2
    assert "unknown configuration 'nope'" in done.stderr


def _serve_until_serving(*args: str) -> tuple[int, str, str]:
    proc = subprocess.Popen(
        [*LAB, "serve", "--port", str(free_port()), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("serving")):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    return proc.returncode, "".join(lines) + out, err


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [("--configs", "mine", "--configs-file", "{mine}"), ("mine", "--configs", "{mine}")],
    ids=["new spelling", "old spelling"],
)
def test_serve_reads_the_file_either_way(mine: Path, args: tuple[str, ...]) -> None:
    code, out, err = _serve_until_serving(*(a.format(mine=mine) for a in args))

    assert code == 0, err
    assert "mine: uvicorn with 1 worker(s), 7 thread-pool tokens each" in out
    old = args[0] == "mine"
    assert ("a file here is deprecated" in err) is old


@pytest.mark.slow
def test_serve_without_a_configuration_exits_2() -> None:
    done = _lab("serve", "--port", str(free_port()))

    assert done.returncode == 2
    assert "name one configuration: CONFIG or --configs NAME" in done.stderr


def test_up_plans_with_either_spelling(mine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    new = plan_of(parser.parse_args(["up", "--configs", "mine", "--configs-file", str(mine)]))
    assert new.config.threadpool == 7
    assert capsys.readouterr().err == ""

    old = plan_of(parser.parse_args(["up", "mine", "--configs", str(mine)]))
    assert old.config.threadpool == 7
    assert "a file here is deprecated" in capsys.readouterr().err

    with pytest.raises(ConfigError, match="name one configuration"):
        plan_of(parser.parse_args(["up"]))
