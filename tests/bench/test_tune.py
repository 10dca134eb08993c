"""bench/tune.py's own parts, without running anything (the bench itself: `make bench-tune`): the grid's
best written as a configuration table, the rounds' command lines as `lab compare` parses them, the table
printed, bad flags refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.tune import CASES, GRID_BEST, Plan, Row, main, round_command, table, write_best
from bench.tune_judge import duel
from lab.cli import build_parser
from lab.compare.results.checks import parse
from lab.shared.configs import get, load_catalogue
from lab.tune.files import TUNED, tuned_toml

THUMBNAILS = next(c for c in CASES if c.name == "thumbnails")
PLAN = Plan("2s", 3, 4)


def files(out: Path) -> tuple[Path, Path]:
    """tuned.toml as lab tune writes it (the pick workers=2, threadpool=4), best.toml beside it."""
    base = get(load_catalogue(), THUMBNAILS.config)
    tuned = out / "tune" / "tuned.toml"
    tuned.parent.mkdir(parents=True)
    tuned.write_text(tuned_toml(base.with_overrides({"workers": "2", "threadpool": "4"}), "met the SLO"))
    write_best(THUMBNAILS, f"{base.name}[workers=2]", out / "best.toml")
    return tuned, out / "best.toml"


def test_the_grids_best_is_written_as_its_own_table_with_the_points_settings(tmp_path: Path) -> None:
    _, best = files(tmp_path)
    found = load_catalogue([best])[GRID_BEST]
    assert (found.server, found.workers, found.threadpool) == ("gunicorn", 2, 40)
    assert "lab tune" not in best.read_text()  # not the pick: said as the grid's best


def test_each_round_is_a_compare_of_tuned_toml_and_the_best_the_order_alternating(tmp_path: Path) -> None:
    files(tmp_path)
    firsts = []
    for n in (1, 2):
        command = round_command(THUMBNAILS, tmp_path, PLAN, n)
        args = build_parser().parse_args(command[3:])
        assert args.command == "compare" and args.calibrate == 0 and args.users == [THUMBNAILS.users]
        catalogue = load_catalogue(args.configs_file)
        names = args.configs.split(",")
        assert sorted(names) == sorted([TUNED, GRID_BEST]) and all(n in catalogue for n in names)
        assert catalogue[TUNED].threadpool == 4 and catalogue[GRID_BEST].threadpool == 40
        (check,) = [parse(text, names, ["Thumbnails"]) for text in args.checks]
        assert (check.config, check.field, check.bound) == (TUNED, "p95_ms", 2000)
        firsts.append(names[0])
    assert firsts == [TUNED, GRID_BEST]


def test_the_table_gives_cells_the_ratio_with_its_interval_and_identity() -> None:
    rows = [
        Row("geocoder", 1, 5, 0.2, "s[threadpool=32]", "s[threadpool=32]", 900.0, (850.0, 950.0),
            identity=True, pick_runs=[880.0, 910.0, 900.0], pick_met=3),
        Row("orders", 2, 5, 0.4, "s[db_pool=16]", "s[db_pool=8]", 500.0, (480.0, 520.0), ("s[db_pool=16]",),
            duel=duel([(500.0, 505.0), (400.0, 398.0), (450.0, 455.0)]), pick_runs=[500.0, 400.0, 450.0],
            pick_met=3),
    ]  # fmt: skip
    lines = table(rows, 3).splitlines()
    assert "1/5=0.20" in lines[1] and "1 (identity)" in lines[1] and "3/3" in lines[1]
    assert "db_pool=8 (db_pool=16)" in lines[2] and "2/5=0.40" in lines[2]
    assert rows[1].duel is not None and rows[1].duel.ratio is not None
    assert f"{rows[1].duel.ratio:.3f} [" in lines[2] and "yes" in lines[2]


@pytest.mark.parametrize("args", [["--cases", "nope"], ["--repeat", "2"], ["--rounds", "1"]])
def test_a_bench_that_cannot_judge_is_refused(args: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert not (tmp_path / "out").exists()
