"""The case context a drafting function may see: one Red case's account, signals, evidence and messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from core.models import Account, ArrTier, AuthorSide, Evidence, Message, RiskAssessment, RiskSignal


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseMessage(_In):
    ref: str = Field(min_length=1, description="Evidence ref, e.g. message:m-1.")
    side: AuthorSide
    text: str = Field(min_length=1)
    at: AwareDatetime
    ticket_id: str | None = None


class CaseTicket(_In):
    """A ticket of the case, without its text: which one it is and how urgent."""

    id: str = Field(min_length=1)
    priority: str = "p3"
    status: str = "open"


class UpdateFacts(_In):
    """What a customer update is filled from: the record, never the model."""

    contact_name: str | None = Field(default=None, description="The customer's contact, as recorded.")
    owner_name: str | None = None
    owner_title: str | None = Field(default=None, description="The owner's role, as a customer reads it.")
    ticket_refs: list[str] = Field(default_factory=list, description="Ticket ids the update is about.")
    topic: str = Field(default="", description="The main ticket's subject.")
    next_update_at: AwareDatetime | None = Field(default=None, description="Next update due, from the case SLA.")


class ResolutionEvidence(_In):
    """What solved the case: a support reply or a recorded event, with the ref it came from."""

    ref: str = Field(min_length=1)
    text: str = Field(min_length=1)


class CaseContext(_In):
    """What a drafting function may see about one Red case (raw; PII is redacted before any model call)."""

    account_id: str
    account_name: str
    tier: ArrTier
    arr: float = Field(ge=0)
    renewal_days: int | None = None
    score: float | None = None
    band: str | None = None
    signals: list[RiskSignal] = Field(default_factory=list)
    messages: list[CaseMessage] = Field(default_factory=list, description="Recent messages, oldest first.")
    tickets_summary: str = ""
    tickets: list[CaseTicket] = Field(default_factory=list, description="The account's open tickets (no text).")

    @model_validator(mode="after")
    def _has_evidence(self) -> CaseContext:
        # A brief without evidence could not cite anything; refuse it at the boundary.
        if not self.allowed_refs:
            raise ValueError("a case context needs at least one signal evidence or message")
        return self

    @property
    def evidence(self) -> list[Evidence]:
        seen: dict[str, Evidence] = {}
        for signal in self.signals:
            for ev in signal.evidence:
                seen.setdefault(ev.ref, ev)
        return list(seen.values())

    @property
    def allowed_refs(self) -> set[str]:
        return {ev.ref for ev in self.evidence} | {m.ref for m in self.messages}

    @classmethod
    def from_records(
        cls,
        account: Account,
        assessment: RiskAssessment,
        messages: Iterable[Message],
        *,
        now: datetime,
        tickets_summary: str = "",
        max_messages: int = 8,
        tickets: Iterable[CaseTicket] = (),
    ) -> CaseContext:
        recent = sorted(messages, key=lambda m: m.created_at)[-max_messages:]
        renewal = (account.renewal_date - now.date()).days if account.renewal_date else None
        return cls(
            account_id=account.id, account_name=account.name, tier=account.tier, arr=account.arr,
            renewal_days=renewal, score=assessment.score, band=str(assessment.band),
            signals=assessment.signals,
            messages=[
                CaseMessage(ref=f"message:{m.id}", side=m.author_side, text=m.text, at=m.created_at,
                            ticket_id=m.ticket_id)
                for m in recent
            ],
            tickets_summary=tickets_summary, tickets=list(tickets),
        )
