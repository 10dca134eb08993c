"""The duet's halves of the cores, for any machine size, and the swapper on real process trees."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from lab.compare.ab.cores import Halves, Swapper, halves, placed, split_of
from lab.shared.cores import usable_cpus


@pytest.mark.parametrize(
    ("count", "a", "b", "shared"),
    [(2, [0], [1], []), (3, [0], [1], [2]), (4, [0, 1], [2, 3], []),
     (16, list(range(8)), list(range(8, 16)), []), (64, list(range(32)), list(range(32, 64)), []),
     (65, list(range(32)), list(range(32, 64)), [64])],
)  # fmt: skip
def test_two_equal_halves_the_odd_core_shared(
    count: int, a: list[int], b: list[int], shared: list[int]
) -> None:
    split = halves(range(count))
    assert split == Halves(tuple(a), tuple(b), tuple(shared))
    assert split.of("A", 0) == ([*a, *shared], b) and split.of("B", 0) == ([*b, *shared], a)
    assert split.of("A", 1) == split.of("B", 0) and split.of("B", 1) == split.of("A", 0)


def test_no_split_on_one_core_where_nothing_can_be_pinned_or_when_asked() -> None:
    assert halves([3]) is None
    assert halves([0, 1], pinnable=False) is None
    assert split_of(0, [0, 1]) is None


def test_a_thread_keeps_its_layout_inside_the_half() -> None:
    # 16 cores: side A pinned its server to 0-5 and Locust to 6-7; moved to B's half, the same shape.
    own, other = list(range(8, 16)), list(range(8))
    assert placed(set(range(6)), own, other) == set(range(8, 14))
    assert placed({6, 7}, own, other) == {14, 15}
    assert placed({9, 3}, own, other) == {9, 11}  # already inside stays; the rest maps over
    assert placed({0, 1, 2}, [0, 2], [1]) == {0, 2}  # the shared core 2 stays


def _tree() -> subprocess.Popen[bytes]:
    """A process with a thread and a child process of its own, all sleeping."""
    code = (
        "import subprocess, sys, threading, time; "
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start(); "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    )
    return subprocess.Popen([sys.executable, "-c", code])


@pytest.fixture
def two_trees() -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    trees = {"A": _tree(), "B": _tree()}
    yield trees
    for tree in trees.values():
        for pid in _pids(tree.pid):
            if pid != tree.pid:
                os.kill(pid, 9)
        tree.kill()
        tree.wait()


def _pids(root: int) -> list[int]:
    import psutil

    return [root, *(p.pid for p in psutil.Process(root).children(recursive=True))]


def _affinities(root: int) -> set[frozenset[int]]:
    """Every thread's affinity in `root`'s tree."""
    found = set()
    for pid in _pids(root):
        for tid in os.listdir(f"/proc/{pid}/task"):
            found.add(frozenset(os.sched_getaffinity(int(tid))))
    return found


def test_each_tree_alternates_between_the_halves_and_never_shares_one(
    two_trees: dict[str, subprocess.Popen[bytes]],
) -> None:
    split = halves(usable_cpus())
    assert split is not None, "the duet needs 2 cores or more; this machine has fewer"
    deadline = time.monotonic() + 2
    while len(_pids(two_trees["A"].pid)) < 2 or len(_pids(two_trees["B"].pid)) < 2:  # the children started
        assert time.monotonic() < deadline
        time.sleep(0.02)
    seen: dict[str, set[frozenset[int]]] = {"A": set(), "B": set()}
    with Swapper(split, {"A": two_trees["A"].pid, "B": two_trees["B"].pid}, every_s=0.05) as swapper:
        deadline = time.monotonic() + 10
        while not all(len(s) == 2 for s in seen.values()) and time.monotonic() < deadline:
            placed_before = swapper.placements
            found = {side: _affinities(tree.pid) for side, tree in two_trees.items()}
            between = (
                placed_before >= 1
                and swapper.placements == placed_before
                and swapper.swaps == placed_before - 1
            )
            if between and all(len(f) == 1 for f in found.values()):  # read between two swaps
                a, b = (next(iter(f)) for f in found.values())
                assert not (a - set(split.shared)) & b, (a, b)  # never on the same half
                seen["A"].add(a)
                seen["B"].add(b)
            time.sleep(0.01)
    halves_ = {frozenset(split.of("A", 0)[0]), frozenset(split.of("B", 0)[0])}
    assert seen == {"A": halves_, "B": halves_}, seen
