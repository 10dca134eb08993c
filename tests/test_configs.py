from __future__ import annotations

from pathlib import Path

import pytest

from lab.configs import ConfigError, get, load_catalogue

BUILT_IN = [
    "uvicorn-single",
    "gunicorn-multi",
    "threadpool-tuned",
    "uvicorn-workers",
    "threadpool-starved",
    "granian",
    "asyncio-h11",
]


def test_builtin_catalogue_has_the_named_configurations() -> None:
    catalogue = load_catalogue()
    assert list(catalogue) == BUILT_IN
    assert catalogue["uvicorn-single"].threadpool == 40
    assert catalogue["threadpool-starved"].threadpool == 4
    assert catalogue["threadpool-tuned"].threadpool == 200
    assert catalogue["gunicorn-multi"].workers == "auto"
    assert catalogue["asyncio-h11"].loop == "asyncio"
    assert catalogue["asyncio-h11"].http == "h11"
    assert all(cfg.description for cfg in catalogue.values())


def test_auto_workers_follow_the_pinned_cores() -> None:
    cfg = load_catalogue()["gunicorn-multi"]
    assert cfg.resolved_workers([0]) == 1
    assert cfg.resolved_workers([0, 1]) == 2


def test_user_file_adds_and_overrides(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        '[mine]\nserver = "uvicorn"\nthreadpool = 7\ndescription = "Mine."\n'
        "[uvicorn-single]\nthreadpool = 41\n"
    )
    catalogue = load_catalogue([user])
    assert catalogue["mine"].threadpool == 7
    assert catalogue["uvicorn-single"].threadpool == 41
    assert catalogue["uvicorn-single"].server == "uvicorn"


def test_user_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "env.toml"
    user.write_text('[from-env]\nserver = "granian"\ndescription = "Env."\n')
    monkeypatch.setenv("LAB_CONFIGS", str(user))
    assert load_catalogue()["from-env"].server == "granian"


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('server = "hypercorn"\ndescription = "x"', "server"),
        ('server = "uvicorn"\nthreadpool = 0\ndescription = "x"', "threadpool"),
        ('server = "uvicorn"\nworkers = 0\ndescription = "x"', "workers"),
        ('server = "uvicorn"\nthreads = 3\ndescription = "x"', "threads"),
        ('server = "granian"\nhttp = "h11"\ndescription = "x"', "http"),
        ('server = "uvicorn"', "description"),
    ],
)
def test_invalid_keys_and_values_are_named(tmp_path: Path, table: str, needle: str) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(f"[bad]\n{table}\n")
    with pytest.raises(ConfigError, match=needle) as info:
        load_catalogue([user])
    assert "'bad'" in str(info.value)


def test_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        get(load_catalogue(), "nope")
    assert all(name in str(info.value) for name in BUILT_IN)


def test_overrides_are_validated() -> None:
    cfg = load_catalogue()["uvicorn-single"]
    assert cfg.with_overrides({"threadpool": "9", "loop": "asyncio"}).threadpool == 9
    with pytest.raises(ConfigError, match="unknown key"):
        cfg.with_overrides({"tokens": "9"})
    with pytest.raises(ConfigError, match="threadpool"):
        cfg.with_overrides({"threadpool": "-1"})


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[x\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_catalogue([broken])
    with pytest.raises(ConfigError, match="not found"):
        load_catalogue([tmp_path / "absent.toml"])
