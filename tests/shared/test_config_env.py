"""The environment form of a configuration (issue 27): written by the launcher, read back by the server,
both derived from `ServerConfig`, so a field and its bounds are declared once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lab.server.settings import AppSettings
from lab.shared.configs import WORKERS_MAX, ConfigError, ServerConfig, env_name, load_catalogue
from lab.shared.target import CATALOGUE, AppTarget


def test_every_field_round_trips_through_the_environment() -> None:
    config = load_catalogue()["uvicorn-single"].with_overrides(
        {"threadpool": "7", "loop": "asyncio", "db_pool": "3"}
    )
    env = config.to_env(workers=2)
    assert env["LAB_CONFIG"] == config.name and env["LAB_THREADPOOL"] == "7" and env["LAB_WORKERS"] == "2"
    assert env["LAB_APP"] == CATALOGUE.app and env["LAB_FACTORY"] == "true"
    assert set(env) == {env_name(key) for key in ServerConfig.model_fields}
    back = ServerConfig.from_env(env)
    assert back.model_dump(exclude={"app", "factory", "workers"}) == config.model_dump(
        exclude={"app", "factory", "workers"}
    )
    assert back.workers == 2 and back.target() == config.target()


def test_the_launched_target_wins_over_the_configurations() -> None:
    target = AppTarget("shop.app:app", app_dir="/srv/shop", metrics_path="/lab-metrics")
    env = load_catalogue()["uvicorn-single"].to_env(target, workers=1)
    assert ServerConfig.from_env(env).target() == target
    assert ServerConfig.from_env({**env, "LAB_APP_DIR": ""}).target() == replace(target, app_dir=None)


def test_the_server_reads_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in load_catalogue()["gunicorn-multi"].to_env(workers=4).items():
        monkeypatch.setenv(key, value)
    settings = AppSettings()
    assert settings.serving.name == "gunicorn-multi" and settings.serving.server == "gunicorn"
    assert settings.serving.workers == 4 and settings.target == CATALOGUE


def test_by_hand_without_lab_variables_the_catalogue_named_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ServerConfig.model_fields:
        monkeypatch.delenv(env_name(key), raising=False)
    serving = AppSettings().serving
    assert (serving.name, serving.server, serving.workers) == ("default", "uvicorn", 1)
    assert serving.target() == CATALOGUE


@pytest.mark.parametrize("workers", ["0", str(WORKERS_MAX + 1)])
def test_one_bound_on_workers_for_files_and_servers(workers: str) -> None:
    """shared/configs.py's 1..64 wins: the server no longer accepts up to 256 (issue 27)."""
    with pytest.raises(ConfigError, match=f"workers must be between 1 and {WORKERS_MAX}"):
        ServerConfig.from_env({"LAB_WORKERS": workers})
    with pytest.raises(ConfigError, match="workers"):
        load_catalogue()["uvicorn-single"].with_overrides({"workers": workers})
