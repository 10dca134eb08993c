"""How the cores are split between server and Locust, on any machine size, and where affinity is unknown."""

from __future__ import annotations

import os

import pytest

from lab import cli
from lab.runtime.launcher import LaunchError, parse_cpus
from lab.shared.cores import can_pin, choose_pinning, generator_cores, generator_processes, usable_cpus


@pytest.mark.parametrize(
    ("cores", "server", "generator"),
    [(2, None, None), (3, 2, 1), (4, 3, 1), (8, 6, 2), (16, 12, 4), (64, 48, 16)],
)
def test_the_split_depends_on_the_core_count(cores: int, server: int | None, generator: int | None) -> None:
    usable = list(range(cores))
    pinning = choose_pinning("auto", usable)
    if server is None:
        assert pinning.server is None and pinning.generator is None
        assert "share cores" in pinning.note
        return
    assert pinning.server is not None and pinning.generator is not None
    assert (len(pinning.server), len(pinning.generator)) == (server, generator)
    assert generator_cores(cores) == generator
    # Disjoint, together every usable core, the server on the lower-numbered ones.
    assert sorted(pinning.server + pinning.generator) == usable
    assert max(pinning.server) < min(pinning.generator)
    assert f"a quarter of {cores} cores" in pinning.note


@pytest.mark.parametrize(("cores", "processes"), [(2, 1), (3, 1), (4, 1), (8, 2), (16, 4), (64, 16)])
def test_auto_generator_processes_is_one_per_core_left_to_locust(cores: int, processes: int) -> None:
    usable = list(range(cores))
    pinned = choose_pinning("auto", usable)
    assert generator_processes(pinned, cores) == processes
    assert pinned.generator is None or len(pinned.generator) == processes
    # Unpinned, by choice or by platform, the same count from the same rule.
    assert generator_processes(choose_pinning("off", usable), cores) == processes
    assert generator_processes(choose_pinning("auto", usable, pinnable=False), cores) == processes
    # --pin on with 2 cores gives Locust one core: one process.
    assert generator_processes(choose_pinning("on", [0, 1]), 2) == 1


def test_the_split_keeps_the_cpu_numbers_it_was_given() -> None:
    pinning = choose_pinning("auto", [8, 9, 10, 11, 12, 13, 14, 15])
    assert pinning.server == [8, 9, 10, 11, 12, 13] and pinning.generator == [14, 15]
    assert "CPUs 8-13" in pinning.note and "CPUs 14-15" in pinning.note


def test_on_and_off_override_the_rule() -> None:
    assert choose_pinning("on", [0, 1]).generator == [1]
    assert choose_pinning("off", list(range(16))).server is None
    assert choose_pinning("on", [0]).server is None  # one core: nothing to split


def test_without_affinity_every_core_is_usable_and_nothing_is_pinned(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As on macOS: neither call exists.
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.delattr(os, "sched_setaffinity")
    assert usable_cpus() == list(range(os.cpu_count() or 1))
    assert not can_pin()
    pinning = choose_pinning("auto", list(range(16)), can_pin())
    assert pinning.server is None and "cannot pin" in pinning.note
    with pytest.raises(LaunchError, match="cannot pin"):
        parse_cpus("0")
    assert cli.main(["configs"]) == 0
    assert "gunicorn-multi" in capsys.readouterr().out
