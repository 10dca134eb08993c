"""`lab tune`'s usage errors, in-process (nothing starts): exit 2 and a message that names the problem."""

from __future__ import annotations

import pytest

from lab.cli import main


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--space", "colour=red,blue"], "--space colour: not a key of --set"),
        (["--space", "threadpool="], "expected KEY=V1,V2"),
        (["--space", "threadpool=4", "--space", "threadpool=8"], "given twice"),
        (["--space", "threadpool=0,4"], "threadpool"),
        (["--slo", "p95<200"], "unknown field 'p95'"),
        (["--slo", "p95_ms~200"], "expected [SCOPE:]FIELD OP NUMBER"),
        (["--budget", "0"], "--budget 0: must be at least 1"),
        (["--capacity-steps", "11"], "--capacity-steps 11"),
        (["--config", "nope"], "unknown configuration 'nope'"),
        (["--scenario", "nope"], "nope"),
        (["--users", "0"], "--users 0"),
    ],
)
def test_a_usage_error_exits_2_and_names_it(
    flags: list[str], named: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["tune", "--space", "workers=1", "--out", str(tmp_path), *flags])
    assert code == 2
    assert named in capsys.readouterr().err


def test_users_and_rate_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["tune", "--users", "10", "--rate", "100"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
