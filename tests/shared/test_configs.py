from __future__ import annotations

from pathlib import Path

import pytest

from lab.shared.configs import ConfigError, ServerConfig, get, load_catalogue

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


def test_user_file_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = tmp_path / "env.toml"
    user.write_text('[from-env]\nserver = "granian"\ndescription = "Env."\n')
    monkeypatch.delenv("LAB_CONFIGS", raising=False)
    monkeypatch.setenv("LAB_CONFIGS_FILE", str(user))
    assert load_catalogue()["from-env"].server == "granian"
    assert capsys.readouterr().err == ""


def test_old_environment_spelling_is_read_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LAB_CONFIGS (files) became LAB_CONFIGS_FILE, as --configs-file, beside LAB_CONFIG (a name)."""
    user = tmp_path / "env.toml"
    user.write_text('[from-old-env]\nserver = "granian"\ndescription = "Env."\n')
    monkeypatch.delenv("LAB_CONFIGS_FILE", raising=False)
    monkeypatch.setenv("LAB_CONFIGS", str(user))
    assert load_catalogue()["from-old-env"].server == "granian"
    assert capsys.readouterr().err == (
        "lab: warning: LAB_CONFIGS is deprecated, use LAB_CONFIGS_FILE; "
        "the old spelling goes in the next release\n"
    )
    monkeypatch.setenv("LAB_CONFIGS_FILE", str(tmp_path / "new.toml"))  # the new one wins, silently
    (tmp_path / "new.toml").write_text('[from-new-env]\nserver = "uvicorn"\ndescription = "New."\n')
    assert "from-old-env" not in load_catalogue()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('server = "hypercorn"\ndescription = "x"', "server"),
        ('server = "uvicorn"\nthreadpool = 0\ndescription = "x"', "threadpool"),
        ('server = "uvicorn"\nworkers = 0\ndescription = "x"', "workers"),
        ('server = "uvicorn"\nthreads = 3\ndescription = "x"', "threads"),
        ('server = "granian"\nhttp = "h11"\ndescription = "x"', "http"),
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


def test_description_is_optional_and_generated(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        '[plain]\nserver = "uvicorn"\n[busy]\nserver = "gunicorn"\nworkers = 3\nloop = "asyncio"\n'
    )
    catalogue = load_catalogue([user])
    assert catalogue["plain"].description == "uvicorn, 1 worker, 40 tokens"
    assert catalogue["busy"].description == "gunicorn, 3 workers, 40 tokens, loop asyncio"
    assert catalogue["plain"].process_pool == 2  # the default `lab configs` and the README state


def test_overridden_configuration_is_named_by_its_overrides() -> None:
    base = load_catalogue()["gunicorn-multi"]
    cfg = base.with_overrides({"workers": "4", "threadpool": "0100"})
    assert cfg.name == "gunicorn-multi[threadpool=100,workers=4]"  # keys sorted, values as validated
    assert (cfg.workers, cfg.threadpool, cfg.server) == (4, 100, "gunicorn")
    assert cfg.description == f"{base.description.rstrip('.')}; overridden: threadpool=100, workers=4"
    assert base.name == "gunicorn-multi" and base.threadpool == 40  # the base is untouched
    # A dump of it validates again (result directories keep their configurations' dumps).
    assert ServerConfig.model_validate(cfg.model_dump()).name == cfg.name


def test_only_values_that_differ_are_named() -> None:
    base = load_catalogue()["uvicorn-single"]
    assert base.with_overrides({}) == base
    assert base.with_overrides({"threadpool": "40", "workers": "1"}).name == "uvicorn-single"
    assert base.with_overrides({"threadpool": "40", "loop": "asyncio"}).name == "uvicorn-single[loop=asyncio]"
    # Overriding an override starts again from the base: one bracket, and a value set back is unnamed.
    twice = base.with_overrides({"threadpool": "8"}).with_overrides({"workers": "2"})
    assert twice.name == "uvicorn-single[threadpool=8,workers=2]"
    assert twice.description == f"{base.description.rstrip('.')}; overridden: threadpool=8, workers=2"
    back = twice.with_overrides({"threadpool": "40", "workers": "1"})
    assert back.name == "uvicorn-single" and back.description == base.description


def test_generated_description_follows_the_overrides(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text('[plain]\nserver = "uvicorn"\n')
    cfg = load_catalogue([user])["plain"].with_overrides({"workers": "auto", "process_pool": "4"})
    assert cfg.name == "plain[process_pool=4,workers=auto]"
    assert cfg.description == (
        "uvicorn, auto workers, 40 tokens, process pool 4; overridden: process_pool=4, workers=auto"
    )


def test_description_override_is_not_named() -> None:
    base = load_catalogue()["uvicorn-single"]
    assert base.with_overrides({"description": "Mine."}).name == "uvicorn-single"
    assert base.with_overrides({"description": "Mine."}).description == "Mine."
    cfg = base.with_overrides({"description": "Mine, 8 tokens.", "threadpool": "8"})
    assert (cfg.name, cfg.description) == ("uvicorn-single[threadpool=8]", "Mine, 8 tokens.")


def test_bracketed_names_are_reserved_for_overrides(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text('["mine[threadpool=3]"]\nserver = "uvicorn"\n')
    with pytest.raises(ConfigError, match=r"made by --set"):
        load_catalogue([user])


def test_a_configuration_can_name_the_app_it_serves(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(
        '[our-service]\nserver = "gunicorn"\nworkers = 4\napp = "myservice.main:create_app"\n'
        'factory = true\napp_dir = "src"\nmetrics_path = "/lab-metrics"\n'
    )
    ours = get(load_catalogue([path]), "our-service")
    target = ours.target()
    assert (target.app, target.factory, target.app_dir, target.metrics_path) == (
        "myservice.main:create_app", True, "src", "/lab-metrics",
    )  # fmt: skip
    assert target.resolved(str(tmp_path)).app_dir == str(tmp_path / "src")  # relative to where the lab runs
    assert "app myservice.main:create_app" in ours.description
    assert get(load_catalogue(), "uvicorn-single").target().is_catalogue
    with pytest.raises(ConfigError, match="--app"):
        ours.with_overrides({"app": "other:app"})  # the app is chosen with --app, not --set


@pytest.mark.parametrize(
    ("line", "needle"),
    [('app = "no-colon"', "MODULE:ATTRIBUTE"), ('app = "m:app"\nmetrics_path = "metrics"', "--metrics-path")],
)
def test_a_bad_app_in_a_configuration_is_named(tmp_path: Path, line: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'[svc]\nserver = "uvicorn"\n{line}\n')
    with pytest.raises(ConfigError, match=needle):
        load_catalogue([path])
