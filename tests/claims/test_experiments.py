"""Verdicts come from measurements: claims 1, 3 and 6 on real servers, briefly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab.claims import catalog, spec
from lab.claims.experiments import Bench
from lab.claims.runner import check_one
from lab.shared.configs import ServerConfig

pytestmark = [pytest.mark.slow, pytest.mark.serial]

CORES = 2


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, catalogue: dict[str, ServerConfig]) -> Iterator[Bench]:
    with Bench(catalogue, tmp_path_factory.mktemp("claims"), quick=True, say=lambda _: None) as bench:
        yield bench


@pytest.fixture(scope="module")
def claims() -> dict[int, spec.Claim]:
    return {c.id: c for c in catalog.load()}


def _only(claim: spec.Claim, variant: str, **apply: object) -> spec.Claim:
    """The claim judged on one of its variants, with `apply` merged into it (shorter runs)."""
    (chosen,) = [v for v in claim.variant if v.id == variant]
    chosen = chosen.model_copy(update={"apply": {**chosen.apply, **apply}})
    return claim.model_copy(update={"variant": [chosen]})


def test_claim_1_is_closer_to_true_on_one_token_and_false_on_uvicorn_single(
    bench: Bench, claims: dict[int, spec.Claim]
) -> None:
    # 150 ms calls: 3 in turn on one token take 450 ms; 20 at once on 40 tokens take one call and the 20
    # connections' set-up (tens of ms), well under the 375 ms that would bring the concurrency down to 8.
    one_token = check_one(bench, _only(claims[1], "one_token", requests=3, ms=150), CORES)
    default = check_one(bench, _only(claims[1], "default", requests=20, ms=150), CORES)

    assert one_token.verdict == "holds"
    assert default.verdict == "does not hold"
    assert one_token.numbers["one_token.concurrency"] <= 1.05
    assert default.numbers["default.concurrency"] >= 8  # 20 requests of 150 ms on 40 tokens
    assert default.numbers["default.tokens"] == 40
    assert "served at a time with 40 thread-pool tokens" in default.evidence


def test_claim_3_blocking_sleep_holds_the_loop_and_claim_2_async_sleep_does_not(
    bench: Bench, claims: dict[int, spec.Claim]
) -> None:
    # The probe 150 ms into a 500 ms sleep: 350 ms left to wait out when the loop is held, against a few
    # ms when it is not (the bounds: 60% and 20% of it).
    shorter = {"ms": 500, "delay_ms": 150}
    blocking = claims[3].model_copy(update={"experiment": claims[3].experiment.model_copy(update=shorter)})
    awaiting = claims[2].model_copy(update={"experiment": claims[2].experiment.model_copy(update=shorter)})

    blocked = check_one(bench, blocking, CORES)
    free = check_one(bench, awaiting, CORES)

    assert blocked.verdict == "holds"
    assert free.verdict == "holds"
    assert blocked.numbers["blocked_fraction"] >= 0.6
    assert free.numbers["blocked_fraction"] <= 0.2
    assert blocked.numbers["probe_ms"] >= 5 * free.numbers["probe_ms"]


def test_claim_6_gather_takes_the_slowest_call_not_the_sum(
    bench: Bench, claims: dict[int, spec.Claim]
) -> None:
    # 100 ms upstream calls, not the catalogue's 200: one call and the 5 gathered still differ by a few ms,
    # the 5 in sequence by 400 (the claim's run warms each path up once, then times it once: quick).
    timing = claims[6].experiment
    assert isinstance(timing, spec.Timing)
    paths = {name: path.replace("ms=200", "ms=100") for name, path in timing.paths.items()}
    assert paths != timing.paths
    faster = claims[6].model_copy(update={"experiment": timing.model_copy(update={"paths": paths})})
    result = check_one(bench, faster, CORES)

    numbers = result.numbers
    assert result.verdict == "holds"
    assert numbers["gather.ms"] < 1.5 * numbers["one.ms"]
    assert numbers["sequential.ms"] > 3.5 * numbers["one.ms"]  # 5 calls in sequence: about the sum
