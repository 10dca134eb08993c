"""What a claims run writes: one record per claim and the file around them (claims.json).

`lab report` reads claims.json on its own terms (any list of {id, claim, verdict, evidence}); these
models are the writer's, and `python -m lab.claims.readme` reads them back.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lab.shared.provenance import ClaimsMeta

SCHEMA = 1


class CheckRecord(BaseModel):
    """One rule checked on one variant's numbers."""

    variant: str | None
    role: str  # requires, holds_if or limit
    rule: str
    value: float | None
    passed: bool


class ClaimRecord(BaseModel):
    """One claim's record: the verdict, the sentence with its numbers, when it flips, the numbers."""

    model_config = ConfigDict(extra="ignore")

    id: int | str
    claim: str
    source: str = ""
    passage: str = ""
    verdict: str
    evidence: str
    condition: str = ""
    numbers: dict[str, float | None] = Field(default_factory=dict)
    checks: list[CheckRecord] = Field(default_factory=list)
    error: str | None = None


class ClaimsFile(BaseModel):
    """claims.json."""

    schema_: int = Field(SCHEMA, alias="schema")
    meta: ClaimsMeta
    claims: list[ClaimRecord]
