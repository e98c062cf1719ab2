"""Zendesk value mappings and record ids (documented in docs/connectors.md)."""

from __future__ import annotations

from typing import Any

from connectors.base import MappingError
from core.models import Ticket
from core.models.records import Channel, Priority, TicketStatus

VENDOR = "zendesk"
NO_ORG = "zendesk:org:none"

PRIORITIES = {"urgent": Priority.p1, "high": Priority.p2, "normal": Priority.p3, "low": Priority.p4}
STATUSES = {
    "new": TicketStatus.new, "open": TicketStatus.open, "pending": TicketStatus.pending,
    "hold": TicketStatus.on_hold, "on-hold": TicketStatus.on_hold, "on_hold": TicketStatus.on_hold,
    "solved": TicketStatus.solved, "closed": TicketStatus.closed,
}
CHANNELS = {
    "email": Channel.email, "web": Channel.web, "web_form": Channel.web, "web_widget": Channel.web,
    "help_center": Channel.web, "mobile": Channel.web, "mobile_sdk": Channel.web, "chat": Channel.chat,
    "native_messaging": Channel.chat, "messaging": Channel.chat, "voice": Channel.phone, "phone": Channel.phone,
    "sms": Channel.phone, "api": Channel.api, "rule": Channel.api, "system": Channel.api, "slack": Channel.slack,
}
ESCALATION_TAGS = frozenset({"escalated", "escalation", "escalated_to_engineering"})
STAFF_ROLES = frozenset({"agent", "admin"})


def org_id(raw: str | None) -> str:
    return f"zendesk:org:{raw}" if raw else NO_ORG


def user_id(raw: str) -> str:
    return f"zendesk:user:{raw}"


def ticket_id(raw: str) -> str:
    return f"zendesk:ticket:{raw}"


def priority(value: Any, where: str) -> Priority:
    """Zendesk has urgent/high/normal/low; no priority counts as normal (p3)."""
    if value in (None, ""):
        return Priority.p3
    found = PRIORITIES.get(str(value).strip().lower())
    if found is None:
        raise MappingError(where, f"unknown Zendesk priority {value!r} (expected urgent, high, normal, low)")
    return found


def status(value: Any, where: str) -> TicketStatus:
    found = STATUSES.get(str(value or "").strip().lower())
    if found is None:
        raise MappingError(where, f"unknown Zendesk status {value!r} (expected new, open, pending, hold, "
                                  "solved, closed)")
    return found


def channel(via: Any) -> Channel:
    name = via.get("channel") if isinstance(via, dict) else None
    return CHANNELS.get(str(name).lower(), Channel.web) if name else Channel.web


def csat_score(value: Any) -> int | None:
    """good -> 5, bad -> 1, an explicit 1-5 number as is; offered/unoffered/none are not ratings."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    text = str(value or "").strip().lower()
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    return {"good": 5, "bad": 1}.get(text.split("_")[0] if text.endswith("_with_comment") else text)


def _raw(value: str | None, prefix: str) -> str | None:
    return value[len(prefix):] if value and value.startswith(prefix) and value != NO_ORG else None


def stored_state(ticket: Ticket) -> dict[str, Any]:
    """A stored ticket as the Zendesk fields an audit replay tracks (the reverse of the mappings above)."""
    priorities = {v: k for k, v in PRIORITIES.items()}
    statuses = {TicketStatus.on_hold: "hold"}
    return {"created_at": ticket.created_at.isoformat(), "subject": ticket.subject,
            "organization_id": _raw(ticket.account_id, "zendesk:org:"),
            "requester_id": _raw(ticket.contact_id, "zendesk:user:"),
            "status": statuses.get(ticket.status, ticket.status.value), "priority": priorities[ticket.priority],
            "assignee_id": _raw(ticket.assignee, "zendesk:user:"), "group_id": _raw(ticket.group, "zendesk:group:"),
            "tags": sorted(ESCALATION_TAGS)[:1] if ticket.is_escalated else []}
