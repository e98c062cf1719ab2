"""The ingest envelope: one event per record change, `{event_id, type, occurred_at, payload}`."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, TypeAdapter

from core.models.records import (
    Account,
    Contact,
    CsatResponse,
    Message,
    SlaEvent,
    StakeholderNote,
    Strict,
    Ticket,
    UsageSnapshot,
)

EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,199}$"


class _Envelope(Strict):
    event_id: str = Field(pattern=EVENT_ID_PATTERN, description="Globally unique; re-sending it is a no-op.")
    occurred_at: AwareDatetime = Field(description="When the change happened at the source (ISO 8601 with zone).")
    source: str | None = Field(default=None, max_length=100, description="e.g. zendesk, salesforce, sample.")


class AccountUpserted(_Envelope):
    type: Literal["account.upserted"]
    payload: Account


class ContactUpserted(_Envelope):
    type: Literal["contact.upserted"]
    payload: Contact


class TicketUpserted(_Envelope):
    type: Literal["ticket.upserted"]
    payload: Ticket


class MessageCreated(_Envelope):
    type: Literal["message.created"]
    payload: Message


class UsageRecorded(_Envelope):
    type: Literal["usage.recorded"]
    payload: UsageSnapshot


class CsatRecorded(_Envelope):
    type: Literal["csat.recorded"]
    payload: CsatResponse


class SlaRecorded(_Envelope):
    type: Literal["sla.recorded"]
    payload: SlaEvent


class NoteCreated(_Envelope):
    type: Literal["note.created"]
    payload: StakeholderNote


Event = Annotated[
    AccountUpserted
    | ContactUpserted
    | TicketUpserted
    | MessageCreated
    | UsageRecorded
    | CsatRecorded
    | SlaRecorded
    | NoteCreated,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_LIST_ADAPTER: TypeAdapter[list[Event]] = TypeAdapter(list[Event])

EVENT_TYPES: dict[str, type[_Envelope]] = {
    "account.upserted": AccountUpserted,
    "contact.upserted": ContactUpserted,
    "ticket.upserted": TicketUpserted,
    "message.created": MessageCreated,
    "usage.recorded": UsageRecorded,
    "csat.recorded": CsatRecorded,
    "sla.recorded": SlaRecorded,
    "note.created": NoteCreated,
}


def event_json_schema() -> dict[str, Any]:
    """JSON Schema of one envelope (what `redaccount schema events` prints)."""
    schema = EVENT_ADAPTER.json_schema()
    schema["title"] = "redaccount event envelope"
    return schema


def account_of(event: Any) -> str:
    """The account an event belongs to (the account record itself, or the payload's account_id)."""
    payload = event.payload
    return payload.id if event.type == "account.upserted" else payload.account_id


def dump_event(event: _Envelope) -> str:
    """One JSONL line for an event."""
    return json.dumps(event.model_dump(mode="json", exclude_none=True), ensure_ascii=False, sort_keys=True)
