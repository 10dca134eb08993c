"""The claims file: the built-in one is complete; a broken one is refused naming the entry and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.claims import catalog, spec
from tests.claims.support import VALID, write

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"


def test_builtin_claims_load_with_every_field() -> None:
    claims = catalog.load()

    assert len(claims) >= 9
    assert [c.id for c in claims] == sorted({c.id for c in claims})
    for claim in claims:
        assert claim.quote and claim.source and claim.passage and claim.evidence and claim.condition
        assert claim.experiment.kind in spec.KINDS
        assert claim.rule.holds_if


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the reference articles are not next to the repository")
def test_each_passage_is_in_its_article() -> None:
    articles = {p.read_text(encoding="utf-8").lstrip("-\n").splitlines()[0]: p.read_text(encoding="utf-8")
                for p in REFERENCE.glob("*.txt")}  # fmt: skip
    for claim in catalog.load():
        text = next(
            (body for title, body in articles.items() if claim.source in title or claim.source in body[:300]),
            None,
        )
        assert text is not None, f"claim {claim.id}: no article titled {claim.source!r}"
        assert claim.passage in " ".join(text.split()), f"claim {claim.id}: passage not in {claim.source!r}"


def test_a_valid_file_loads(tmp_path: Path) -> None:
    (claim,) = catalog.load(write(tmp_path))

    assert claim.id == 6
    assert claim.names() == {"cores", "one.ms", "gather.ms"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'quote = "Concurrent',
            'quoted = "Concurrent',
            ["claim 6", "quote: Field required", "quoted: Extra inputs"],
        ),
        ('kind = "timing"', 'kind = "stopwatch"', ["claim 6", "experiment", "'stopwatch'", "'burst'"]),
        (
            "repeats = 1",
            "repeats = 0",
            ["claim 6", "experiment.timing.repeats", "greater than or equal to 1"],
        ),
        ("at_most = 1.5", "at_most = 1.5, at_least = 1", ["claim 6", "rule.holds_if.0", "exactly one of"]),
        ('"gather.ms / one.ms"', '"gather.ms / two.ms"', ["claim 6", "rule.holds_if[0].measure", "'two.ms'"]),
        ("{one.ms:.0f} ms (", "{three.ms} ms (", ["claim 6", "evidence: unknown number {three.ms}"]),
        ('kind = "timing"', 'kind = "timing"\nconfig = "nope"', ["claim 6", "unknown configuration 'nope'"]),
        ("repeats = 1", "repeats = 1\nset = { threads = 3 }", ["claim 6", "--set threads: unknown key"]),
    ],
)
def test_a_malformed_entry_is_named_with_its_key(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    with pytest.raises(spec.ClaimsError) as error:
        catalog.load(write(tmp_path, old=old, new=new))

    for part in expected:
        assert part in str(error.value)


def test_an_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    text = VALID + VALID.replace("id = 6\n", "")
    with pytest.raises(spec.ClaimsError, match=r"entry #2: id: Field required"):
        catalog.load(write(tmp_path, text))


def test_duplicate_ids_and_bad_variants_are_refused(tmp_path: Path) -> None:
    with pytest.raises(spec.ClaimsError, match="claim 6: id: used by more than one entry"):
        catalog.load(write(tmp_path, VALID + VALID))
    variant = '\n[[claim.variant]]\nid = "slow"\nlabel = "slow"\napply = { repeats = 99 }\n'
    with pytest.raises(
        spec.ClaimsError, match=r"claim 6: variant\.slow\.apply\.repeats: .*less than or equal to 10"
    ):
        catalog.load(write(tmp_path, VALID + variant))


def test_unreadable_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(spec.ClaimsError, match="not found"):
        catalog.load(tmp_path / "missing.toml")
    with pytest.raises(spec.ClaimsError, match="not valid TOML"):
        catalog.load(write(tmp_path, "[[claim]\n"))
    with pytest.raises(spec.ClaimsError, match=r"no \[\[claim\]\] entries"):
        catalog.load(write(tmp_path, "title = 'x'\n"))


def test_only_selects_by_id() -> None:
    claims = catalog.load()

    assert [c.id for c in catalog.select(claims, "3,1")] == [1, 3]
    assert catalog.select(claims, None) == claims
    with pytest.raises(spec.ClaimsError, match=r"unknown claim id\(s\) \[99\]"):
        catalog.select(claims, "1,99")
    with pytest.raises(spec.ClaimsError, match="expected claim ids"):
        catalog.select(claims, "one")
