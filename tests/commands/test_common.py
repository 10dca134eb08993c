"""One vocabulary (issue 12 §4): --configs NAMES for names, --configs-file FILE for files; the old
`--configs FILE` of lab serve / lab up / lab configs still read, with a deprecation warning."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from lab.commands.common import add_configs_file, add_configs_names, configs_names, one_config
from lab.shared.configs import ConfigError


def _parse(*argv: str, positional: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    if positional:
        parser.add_argument("config", nargs="?")
    add_configs_names(parser, "names")
    add_configs_file(parser)
    return parser.parse_args(list(argv))


def test_names_are_comma_separated_and_repeatable(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse("--configs", "a,b", "--configs", " c ")

    assert configs_names(args) == ["a", "b", "c"]
    assert args.configs_file == []
    assert capsys.readouterr().err == ""


def test_a_file_is_the_old_spelling_and_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "mine.conf"
    existing.write_text("")
    args = _parse("--configs", str(existing), "--configs", "missing.toml", "--configs-file", "x.toml")

    assert configs_names(args) == []
    assert args.configs_file == ["x.toml", str(existing), "missing.toml"]
    err = capsys.readouterr().err
    assert f"--configs {existing}: a file here is deprecated; write --configs-file {existing}" in err
    assert "--configs missing.toml" in err


def test_one_config_from_the_positional_or_the_flag() -> None:
    assert one_config(_parse("gunicorn-multi", positional=True)) == "gunicorn-multi"
    assert one_config(_parse("--configs", "gunicorn-multi", positional=True)) == "gunicorn-multi"
    assert one_config(_parse("u", "--configs", "u", positional=True)) == "u"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "name one configuration: CONFIG or --configs NAME; see"),
        (("u", "--configs", "v"), "(got u, v)"),
        (("--configs", "u,v"), "(got u, v)"),
    ],
)
def test_one_config_refuses_none_or_several(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        one_config(_parse(*argv, positional=True))
