"""The noise floor and the smallest detectable change, from repeated runs (issue 22 §2)."""

from __future__ import annotations

from lab.compare import noise
from tests.compare.support import cell, failed


def test_no_repeats_no_sentence() -> None:
    assert noise.sentences([cell("u", "io-sync", 300.0), failed("g", "io-sync", "x")]) == []


def test_the_floor_is_the_median_spread_and_the_widest_is_named() -> None:
    cells = [
        cell("u", "io-sync", 300.0, rps_runs=[300.0, 306.0, 294.0]),  # cv 2%
        cell("g", "io-sync", 300.0, rps_runs=[300.0, 330.0, 270.0]),  # cv 10%
        cell("t", "io-sync", 300.0, rps_runs=[300.0, 312.0, 288.0]),  # cv 4%
    ]
    (sentence,) = noise.sentences(cells)
    assert sentence.startswith("Noise floor: req/s moved by a median 4.0% between the runs of a cell")
    assert "10.0% at most (g · io-sync)" in sentence
    # 3 runs a side at a 4% spread: (t(0.975, 4) + t(0.8, 4)) * 4% * sqrt(2/3) = (2.776 + 0.941) * 3.27%
    assert sentence.endswith("with 3 runs a side, the smallest change of req/s a comparison could detect "
                             "(alpha 0.05, power 80%) is about 12%")  # fmt: skip
