"""Helpers that build valid event envelopes for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def account(event_id: str = "e-acc-1", account_id: str = "acc-1", at: datetime = T0, **fields: Any) -> dict:
    payload = {"id": account_id, "name": "Northwind Logistics", "arr": 250000, "tier": "enterprise",
               "renewal_date": "2027-01-15", "csm": "Dana Whitfield", "ae": "Marco Ruiz"} | fields
    return {"event_id": event_id, "type": "account.upserted", "occurred_at": iso(at), "payload": payload}


def ticket(event_id: str, ticket_id: str = "t-1", at: datetime = T0, **fields: Any) -> dict:
    payload = {"id": ticket_id, "account_id": "acc-1", "subject": "SSO login fails for EU users",
               "priority": "p2", "status": "open", "created_at": iso(T0)} | fields
    return {"event_id": event_id, "type": "ticket.upserted", "occurred_at": iso(at), "payload": payload}


def message(event_id: str, message_id: str, text: str, at: datetime = T0 + timedelta(hours=1),
            side: str = "customer", ticket_id: str = "t-1") -> dict:
    payload = {"id": message_id, "ticket_id": ticket_id, "account_id": "acc-1", "author_side": side,
               "text": text, "created_at": iso(at)}
    return {"event_id": event_id, "type": "message.created", "occurred_at": iso(at), "payload": payload}
