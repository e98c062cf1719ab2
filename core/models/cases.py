"""The Red case and everything recorded about it: swarm, timeline, approvals, knowledge, measurement."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator

from core.models.records import Strict, storable_text


class SupportTier(StrEnum):
    t1 = "T1"
    t2 = "T2"
    t3 = "T3"
    management = "management"


class Role(StrEnum):
    """Roles of people in the swarm and of API users."""

    support_t1 = "support_t1"
    support_t2 = "support_t2"
    support_t3 = "support_t3"
    csm = "csm"
    ae = "ae"
    compliance = "compliance"
    engineering = "engineering"
    manager = "manager"
    admin = "admin"


class Phase(StrEnum):
    detect = "detect"
    triage = "triage"
    resolve = "resolve"
    post_resolution = "post_resolution"
    fcr_watch = "fcr_watch"
    closed = "closed"


class Outcome(StrEnum):
    saved = "saved"
    churned = "churned"
    false_positive = "false_positive"
    resolved = "resolved"


class SwarmMember(Strict):
    person: str = Field(min_length=1)
    role: Role
    reason: str = ""
    rule_id: str | None = None
    assumed_at: AwareDatetime
    renounced_at: AwareDatetime | None = None


class TimelineEntry(Strict):
    """One immutable line of a case's history."""

    escalation_id: str
    at: AwareDatetime
    kind: str = Field(min_length=1, description="opened, rule_hit, brief, approval_requested, decision, ...")
    actor: str = Field(min_length=1, description="A person, or `system:<component>`.")
    payload: dict[str, Any] = Field(default_factory=dict)


class Escalation(Strict):
    """The Red case: opened once, closed once, never edited in place; history lives on the timeline."""

    id: str
    account_id: str
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    phase: Phase = Phase.detect
    owner: str | None = None
    tier: SupportTier | None = None
    swarm: list[SwarmMember] = Field(default_factory=list)
    sla_due: dict[str, AwareDatetime] = Field(default_factory=dict)
    outcome: Outcome | None = None
    deescalation_reason: str | None = None
    assessment_id: int | None = None


DecisionType = Literal["approve", "edit", "reject", "respond"]


class ApprovalRequest(Strict):
    """The one interrupt contract: what is proposed, why, and which rules forced a human to look."""

    action: str = Field(min_length=1, description="validate_brief, send_customer_update, publish_article, ...")
    case_id: str
    step: str = Field(min_length=1)
    proposal: dict[str, Any]
    reasons: list[str] = Field(default_factory=list)
    forced_by_rules: list[str] = Field(default_factory=list)
    assigned_role: Role
    assigned_to: str | None = None
    allowed_decisions: list[DecisionType] = Field(default_factory=lambda: ["approve", "edit", "reject", "respond"])
    evidence_refs: list[str] = Field(default_factory=list)


def _check_json_safe(value: Any, depth: int = 0) -> None:
    # Decisions are stored as JSON and may reach the customer: NaN/Infinity or deep nesting would not round-trip.
    if depth > 32:
        raise ValueError("edited_payload is nested deeper than 32 levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("edited_payload numbers must be finite (no NaN or Infinity)")
    if isinstance(value, str) and ("\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value)):
        raise ValueError("edited_payload text must not hold NUL characters or unpaired surrogates")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json_safe(key, depth + 1)
            _check_json_safe(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json_safe(item, depth + 1)


class ApprovalDecision(Strict):
    type: DecisionType
    edited_payload: dict[str, Any] | None = None
    comment: str | None = Field(default=None, max_length=20_000)
    actor: str = Field(min_length=1)

    @field_validator("comment")
    @classmethod
    def _readable_comment(cls, value: str | None) -> str | None:
        return storable_text(value) if value is not None else None

    @model_validator(mode="after")
    def _edit_needs_payload(self) -> ApprovalDecision:
        if self.edited_payload is not None:
            _check_json_safe(self.edited_payload)
        if self.type == "edit" and not self.edited_payload:
            raise ValueError("an 'edit' decision needs edited_payload")
        if self.type == "respond" and not self.comment:
            raise ValueError("a 'respond' decision needs a comment")
        return self


class ArticleStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    rejected = "rejected"


class KnowledgeArticle(Strict):
    id: str
    title: str = Field(min_length=1, max_length=500)
    problem: str = Field(min_length=1)
    solution: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    status: ArticleStatus = ArticleStatus.draft
    source_case_id: str | None = None
    provenance: list[str] = Field(default_factory=list, description="Evidence refs the article was built from.")


class MeasurementKind(StrEnum):
    """Seed 001's measurement plan."""

    reviewed = "reviewed"
    confirmed = "confirmed"
    action_taken = "action_taken"
    response = "response"
    saved = "saved"
    false_positive = "false_positive"
    unresolved = "unresolved"
    reopened = "reopened"
    fcr = "fcr"


class MeasurementEvent(Strict):
    kind: MeasurementKind
    account_id: str
    escalation_id: str | None = None
    at: AwareDatetime
    detail: dict[str, Any] = Field(default_factory=dict)
