"""Source records: what the helpdesk, CRM and product tell us about an account."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

RecordId = str
# Per-field text limits (docs/security.md lists them): names and labels, free-text notes.
MAX_NAME = 300
MAX_NOTE = 20_000
_SURROGATE = re.compile("[\ud800-\udfff]")
# Lone surrogates cannot be encoded (UTF-8, PostgreSQL); C0 controls other than tab and newlines are never text.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def storable_text(value: str) -> str:
    """Refuse text a person wrote that no store can hold or no reader should see: lone surrogates, NUL and
    other control characters (tab and line ends are fine)."""
    found = _UNSTORABLE.search(value)
    if found:
        raise ValueError(f"contains an unsupported character U+{ord(found.group()):04X}")
    return value


class Strict(BaseModel):
    """Base for every boundary model: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text, nor anyone encode a lone surrogate: refuse both at the boundary
        # on every backend alike.
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("NUL characters (\\u0000) are not allowed in text")
            if _SURROGATE.search(value):
                raise ValueError("unpaired UTF-16 surrogates are not allowed in text")
        return value


class ArrTier(StrEnum):
    strategic = "strategic"
    enterprise = "enterprise"
    mid_market = "mid_market"
    smb = "smb"


class LifecycleStage(StrEnum):
    onboarding = "onboarding"
    adoption = "adoption"
    mature = "mature"
    renewal = "renewal"
    churned = "churned"


class Priority(StrEnum):
    p1 = "p1"
    p2 = "p2"
    p3 = "p3"
    p4 = "p4"


class TicketStatus(StrEnum):
    new = "new"
    open = "open"
    pending = "pending"
    on_hold = "on_hold"
    solved = "solved"
    closed = "closed"


OPEN_STATUSES = frozenset({TicketStatus.new, TicketStatus.open, TicketStatus.pending, TicketStatus.on_hold})


class AuthorSide(StrEnum):
    customer = "customer"
    agent = "agent"
    internal = "internal"


class Channel(StrEnum):
    email = "email"
    web = "web"
    chat = "chat"
    phone = "phone"
    slack = "slack"
    api = "api"


class SlaMetric(StrEnum):
    first_response = "first_response"
    next_reply = "next_reply"
    resolution = "resolution"


class SlaStatus(StrEnum):
    met = "met"
    warning = "warning"
    breached = "breached"


class Account(Strict):
    """A customer organisation. `legal_notes` and `contract_terms` are sensitive (role-gated in the API)."""

    id: RecordId = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=300)
    arr: float = Field(ge=0, description="Annual recurring revenue in the account's currency.")
    tier: ArrTier
    lifecycle_stage: LifecycleStage = LifecycleStage.mature
    renewal_date: date | None = None
    csm: str | None = Field(default=None, max_length=MAX_NAME)
    ae: str | None = Field(default=None, max_length=MAX_NAME)
    legal_notes: str | None = Field(default=None, max_length=MAX_NOTE)
    contract_terms: str | None = Field(default=None, max_length=MAX_NOTE)


class Contact(Strict):
    id: RecordId = Field(min_length=1, max_length=128)
    account_id: RecordId = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    title: str | None = Field(default=None, max_length=MAX_NAME)
    is_key_stakeholder: bool = False


class Ticket(Strict):
    """A support ticket snapshot; each snapshot is kept, so handoffs and reopens can be derived."""

    id: RecordId = Field(min_length=1, max_length=128)
    account_id: RecordId = Field(min_length=1, max_length=128)
    contact_id: RecordId | None = None
    subject: str = Field(min_length=1, max_length=1000)
    priority: Priority
    status: TicketStatus
    assignee: str | None = Field(default=None, max_length=MAX_NAME)
    group: str | None = Field(default=None, max_length=MAX_NAME)
    engineering_owner: str | None = Field(default=None, max_length=MAX_NAME,
                                          description="Set while engineering owns the ticket.")
    sla_policy: str | None = Field(default=None, max_length=MAX_NAME)
    reopen_count: int = Field(default=0, ge=0)
    is_escalated: bool = False
    created_at: AwareDatetime
    solved_at: AwareDatetime | None = None


class Message(Strict):
    id: RecordId = Field(min_length=1, max_length=128)
    ticket_id: RecordId = Field(min_length=1, max_length=128)
    account_id: RecordId = Field(min_length=1, max_length=128)
    author_side: AuthorSide
    author_id: str | None = Field(default=None, max_length=128)
    channel: Channel = Channel.email
    text: str = Field(min_length=1, max_length=1_000_000)
    created_at: AwareDatetime


class UsageSnapshot(Strict):
    id: RecordId = Field(min_length=1, max_length=128)
    account_id: RecordId = Field(min_length=1, max_length=128)
    week_start: date
    active_users: int = Field(ge=0)
    sessions: int = Field(ge=0)
    feature_adoption: float | None = Field(default=None, ge=0, le=1)


class CsatResponse(Strict):
    id: RecordId = Field(min_length=1, max_length=128)
    account_id: RecordId = Field(min_length=1, max_length=128)
    ticket_id: RecordId | None = None
    score: int = Field(ge=1, le=5, description="1 (very unsatisfied) to 5 (very satisfied).")
    comment: str | None = Field(default=None, max_length=20_000)
    created_at: AwareDatetime


class SlaEvent(Strict):
    id: RecordId = Field(min_length=1, max_length=128)
    ticket_id: RecordId = Field(min_length=1, max_length=128)
    account_id: RecordId = Field(min_length=1, max_length=128)
    metric: SlaMetric
    status: SlaStatus
    due_at: AwareDatetime
    occurred_at: AwareDatetime


class StakeholderNote(Strict):
    """A CSM note or stakeholder change (e.g. champion left, sponsor stopped attending calls)."""

    id: RecordId = Field(min_length=1, max_length=128)
    account_id: RecordId = Field(min_length=1, max_length=128)
    author: str = Field(min_length=1, max_length=MAX_NAME)
    kind: str = Field(default="csm_note", pattern=r"^(csm_note|stakeholder_change|goal|outcome)$")
    text: str = Field(min_length=1, max_length=100_000)
    created_at: AwareDatetime


def utc(dt: datetime) -> datetime:
    """Refuse naive datetimes at boundaries; they are ambiguous across time zones."""
    if dt.tzinfo is None:
        raise ValueError("datetime must carry a time zone (e.g. 2026-01-31T09:00:00Z)")
    return dt

