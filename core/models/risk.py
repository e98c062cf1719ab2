"""Evidence, signals and assessments: how a risk score explains itself."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field, model_validator

from core.models.records import Strict


class Band(StrEnum):
    green = "green"
    amber = "amber"
    red = "red"


class CauseStatus(StrEnum):
    """Seed 001: separate suspected cause from confirmed cause."""

    suspected = "suspected"
    confirmed = "confirmed"


class Evidence(Strict):
    """A pointer to the source of a claim: which record, which words, when."""

    record_type: str = Field(min_length=1, description="message, ticket, csat, usage, sla_event, account, ...")
    record_id: str = Field(min_length=1)
    quote: str = Field(default="", max_length=2000, description="The quoted span (may be empty for numbers).")
    span: tuple[int, int] | None = Field(default=None, description="Character offsets of the quote in the source.")
    at: AwareDatetime

    @property
    def ref(self) -> str:
        """Stable citation id used in briefs, e.g. `message:m-123`."""
        return f"{self.record_type}:{self.record_id}"


class RiskSignal(Strict):
    kind: str = Field(min_length=1)
    value: float
    weight: float = Field(ge=0)
    confidence: float = Field(ge=0, le=1)
    rule_id: str = Field(min_length=1)
    cause: CauseStatus = CauseStatus.suspected
    detail: str = ""
    evidence: list[Evidence] = Field(min_length=1, description="No signal without evidence.")

    @property
    def contribution(self) -> float:
        """Points this signal adds to the score."""
        return self.weight * self.value


class RiskAssessment(Strict):
    account_id: str
    score: float = Field(ge=0, le=100)
    band: Band
    confidence: float = Field(ge=0, le=1)
    needs_review: bool = Field(description="Low confidence: goes to the human review queue, not a Red case.")
    signals: list[RiskSignal] = Field(default_factory=list)
    context: dict[str, str | float | int | bool | None] = Field(default_factory=dict)
    triggered_rules: list[str] = Field(default_factory=list)
    facts: dict[str, str | float | int | bool] = Field(
        default_factory=dict, description="The flat fact the rules evaluated (recorded for audit and re-evaluation).")
    ruleset_version: str = Field(min_length=1)
    assessed_at: AwareDatetime

    @model_validator(mode="after")
    def _score_decomposes(self) -> RiskAssessment:
        # The score must equal the sum of its parts (capped at 100) so every point is explainable.
        total = min(100.0, sum(s.contribution for s in self.signals))
        if abs(total - self.score) > 1e-6:
            raise ValueError(f"score {self.score} does not equal the sum of signal contributions {total}")
        return self
