"""The A/B's rows from the rounds' cells: paired rounds, the ratio's interval, the verdict, the gate."""

from __future__ import annotations

import pytest

from lab.compare.ab.judge import Rounds, row, rows, verdict
from lab.compare.results.summary import Cell
from tests.compare.support import cell, failed


def _rounds(a: list[float], b: list[float], p95_a: float = 50.0, p95_b: float = 50.0) -> Rounds:
    """Rounds of one scenario; p95 moves against req/s (a closed loop: fewer req/s, longer waits)."""

    def run(rps: float, p95: float) -> dict[str, Cell]:
        return {"WorkUser": cell(scenario="WorkUser", rps=rps, p95_ms=round(p95 * 300 / rps, 1))}

    return {"A": [run(v, p95_a) for v in a], "B": [run(v, p95_b) for v in b]}


def test_a_copy_slower_in_every_round_is_slower_in_both_metrics_and_a_regression() -> None:
    rounds = _rounds([300, 310, 295, 305, 290], [230, 240, 228, 236, 225])
    found = {r.metric: r for r in rows(rounds, ["WorkUser"], pct=10)}
    assert found["rps"].verdict == "slower" and found["rps"].regression
    assert found["rps"].ratio == pytest.approx(0.77, abs=0.01)
    assert found["rps"].ci is not None and found["rps"].ci[1] < 0.9
    assert found["p95_ms"].verdict == "slower" and found["p95_ms"].ratio > 1.2  # type: ignore[operator]
    assert found["rps"].p_value is not None and found["rps"].p_value < 0.001


def test_a_change_within_the_threshold_is_slower_but_no_regression() -> None:
    rounds = _rounds([300, 310, 295, 305, 290], [285, 295, 281, 290, 276])  # 5% slower, every round
    found = row(rounds, "WorkUser", "rps", pct=10)
    assert found.verdict == "slower" and not found.regression


def test_noise_is_no_difference_and_its_interval_holds_one() -> None:
    rounds = _rounds([300, 330, 280, 310, 295], [310, 290, 320, 285, 300])
    found = row(rounds, "WorkUser", "rps", pct=10)
    assert found.verdict == "no difference" and not found.regression
    assert found.ci is not None and found.ci[0] <= 1.0 <= found.ci[1]


def test_a_faster_copy_is_faster_and_never_a_regression() -> None:
    found = row(_rounds([300, 310, 295], [400, 410, 398]), "WorkUser", "rps", pct=0)
    assert found.verdict == "faster" and not found.regression


def test_a_failed_round_is_left_out_of_both_sides() -> None:
    rounds = _rounds([300, 310, 295, 305], [230, 240, 228, 236])
    rounds["B"][1] = {"WorkUser": failed("uvicorn-single", "WorkUser", "the server exited")}
    found = row(rounds, "WorkUser", "rps", pct=10)
    assert found.a == [300, 295, 305] and found.b == [230, 228, 236]


def test_fewer_than_three_rounds_measured_are_not_judged() -> None:
    found = row(_rounds([300, 310], [200, 210]), "WorkUser", "rps", pct=10)
    assert found.verdict == "not judged" and found.p_value is None and not found.regression
    assert found.ratio == pytest.approx(410 / 610, abs=1e-3)
    nothing = row({"A": [], "B": []}, "WorkUser", "rps", pct=None)
    assert nothing.ratio is None and nothing.ci is None and nothing.verdict == "not judged"


@pytest.mark.parametrize(
    ("metric", "ratio", "lo", "hi", "p", "expected"),
    [
        ("rps", 0.8, 0.7, 0.9, 0.01, "slower"),
        ("rps", 1.2, 1.1, 1.3, 0.01, "faster"),
        ("p95_ms", 1.2, 1.1, 1.3, 0.01, "slower"),
        ("p95_ms", 0.8, 0.7, 0.9, 0.01, "faster"),
        ("rps", 0.8, 0.7, 1.05, 0.01, "no difference"),  # the interval holds 1: the tests disagree
        ("rps", 0.8, 0.7, 0.9, 0.2, "no difference"),
        ("rps", 0.8, 0.7, 0.9, None, "not judged"),
    ],
)
def test_a_verdict_names_a_direction_only_when_both_tests_agree(
    metric: str, ratio: float, lo: float, hi: float, p: float | None, expected: str
) -> None:
    assert verdict(metric, ratio, lo, hi, p) == expected  # type: ignore[arg-type]


def test_the_cpu_per_request_sees_a_slower_handler_through_a_noisy_machine() -> None:
    """req/s all over the place (neighbours took the CPU), the server's CPU per request steady: +27%."""
    a_rps, b_rps = [300, 150, 420, 200, 330], [180, 390, 160, 310, 240]

    def run(rps: float, cpu_ms: float) -> dict[str, Cell]:
        requests = int(rps * 5)
        return {"WorkUser": cell(scenario="WorkUser", rps=rps, server_requests=requests,
                                 server_cpu_s=requests * cpu_ms / 1000)}  # fmt: skip

    rounds: Rounds = {"A": [run(r, 1.6 + i / 100) for i, r in enumerate(a_rps)],
                      "B": [run(r, 2.08 - i / 100) for i, r in enumerate(b_rps)]}  # fmt: skip
    found = {r.metric: r for r in rows(rounds, ["WorkUser"], pct=10)}
    assert found["rps"].verdict == "no difference"
    assert found["cpu_ms"].verdict == "slower" and found["cpu_ms"].regression
    assert found["cpu_ms"].ratio == pytest.approx(2.06 / 1.62, abs=0.01)


def test_duet_rounds_are_judged_by_their_own_ratios() -> None:
    """The machine's speed jumps 2x between rounds, hitting both sides of a duet round alike; B 15%
    slower in each: the paired test catches it where the sequential judgement cannot."""
    speed = [1.0, 0.5, 0.8, 0.6, 0.9]
    a = [300 * s for s in speed]
    b = [255 * s * (1 + e) for s, e in zip(speed, [0.02, -0.01, 0.0, -0.02, 0.01], strict=True)]
    duet = row(_rounds(a, b), "WorkUser", "rps", pct=10, mode="duet")
    assert duet.verdict == "slower" and duet.regression
    assert duet.ratio == pytest.approx(0.85, abs=0.005) and duet.p_value < 0.001  # type: ignore[operator]
    assert duet.ci is not None and duet.ci[0] <= duet.ratio <= duet.ci[1] < 0.9
    sequential = row(_rounds(a, b), "WorkUser", "rps", pct=10, mode="sequential")
    assert sequential.verdict == "no difference" and not sequential.regression


def test_duet_rows_of_two_rounds_are_not_judged() -> None:
    found = row(_rounds([300, 310], [200, 210]), "WorkUser", "rps", pct=10, mode="duet")
    assert found.verdict == "not judged" and found.p_value is None and found.ci is not None
