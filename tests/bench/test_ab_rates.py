"""bench/ab_rates.py's own parts, without running `lab ab` (that is the bench: `make bench-ab`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.ab_rates import Trial, copies, main, rates


def test_the_copies_differ_only_in_the_handlers_work(tmp_path: Path) -> None:
    dirs = copies(tmp_path, 1.2)
    same, slower = (dirs[k].joinpath("service.py").read_text() for k in ("A/A", "A/B"))
    assert "WORK = 20000" in same and "WORK = 24000" in slower
    assert same.replace("WORK = 20000", "") == slower.replace("WORK = 24000", "")


def test_rates_count_flagged_trials_by_kind() -> None:
    def t(kind: str, flagged: bool) -> Trial:
        return Trial(kind, 3 if flagged else 0, flagged, {}, {})

    trials = [
        t("A/A", False),
        t("A/A", True),
        t("A/B", True),
        t("A/B", True),
        t("A/A", False),
        t("A/B", False),
    ]
    assert rates(trials) == {"false_alarm_rate": pytest.approx(1 / 3), "catch_rate": pytest.approx(2 / 3)}


@pytest.mark.parametrize("args", [["--rounds", "2"], ["--slower", "1.0"], ["--trials", "0"]])
def test_a_bench_that_cannot_measure_is_refused(args: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert not (tmp_path / "out").exists()
