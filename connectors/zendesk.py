"""Zendesk Support API responses (as saved to files) -> event envelopes.

Every file is one API response body: a single object (`{"ticket": ...}`), a list or cursor page, or an
incremental export page (time- or cursor-based, with side-loads). All files of one import are read first,
so tickets find their organisations, requesters and metrics wherever they sit in the batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors import zendesk_events as events
from connectors import zendesk_history as history
from connectors import zendesk_values as zv
from connectors.base import (
    EPOCH,
    Mapping,
    MappingError,
    NoStoredTickets,
    StoredTickets,
    content_id,
    first_line,
    load_json,
    number,
    optional_id,
    optional_time,
    parse_time,
    pointer,
    records_at,
    stamp,
    tier_for,
    vendor_id,
)

DOC_KEYS = {
    "ticket": "tickets", "tickets": "tickets", "comments": "comments", "comment": "comments",
    "audits": "audits", "audit": "audits", "ticket_metrics": "ticket_metrics", "ticket_metric": "ticket_metrics",
    "ticket_metric_events": "ticket_metric_events", "satisfaction_ratings": "satisfaction_ratings",
    "satisfaction_rating": "satisfaction_ratings", "organizations": "organizations",
    "organization": "organizations", "users": "users", "user": "users", "sla_policies": "sla_policies",
    "sla_policy": "sla_policies", "metric_sets": "ticket_metrics", "ticket_events": "ticket_events", "ticket_event": "ticket_events",
}
ARR_FIELDS = ("arr", "annual_recurring_revenue", "annual_revenue", "arr_usd")
TIER_FIELDS = ("tier", "account_tier", "segment")


@dataclass
class Item:
    source: str
    position: str
    record: dict[str, Any]
    context: dict[str, Any] | None = None  # the ticket of the same response (`{"ticket": ..., "audit": ...}`)


@dataclass
class ZendeskBatch:
    """Every record of the batch, grouped by kind, plus lookups the mappers share."""

    items: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)  # latest version by updated_at
    known_tickets: StoredTickets = field(default_factory=NoStoredTickets)  # stored tickets, by our id
    ticket_hint: str | None = None  # `--ticket-id`: the ticket of comment lists that do not name it
    known_sla: Callable[[str], str | None] = lambda _sla: None  # stored SLA outcomes, by SLA record id

    def enclosing_ticket(self, item: Item) -> str | None:
        """The ticket a record belongs to when the record does not say: same response, then --ticket-id."""
        if item.context is not None and item.context.get("id") not in (None, ""):
            return str(item.context["id"])
        return self.ticket_hint

    def ticket_account(self, raw_ticket: str) -> str:
        ticket = self.tickets.get(raw_ticket)
        if ticket is not None:
            return zv.org_id(optional_id(ticket.get("organization_id"), "/organization_id"))
        stored = self.known_tickets(zv.ticket_id(raw_ticket))
        return stored.account_id if stored else zv.NO_ORG

    def user_org(self, raw_user: str | None) -> str | None:
        user = self.users.get(raw_user or "")
        return optional_id(user.get("organization_id"), "/organization_id") if user else None


def _collect(batch: ZendeskBatch, source: str, doc: Any, mapping: Mapping) -> None:
    if not isinstance(doc, dict):
        mapping.problem(source, "/", "expected a Zendesk API response object")
        return
    if str(doc.get("type", "")).startswith("zen:event-type:"):
        batch.items["webhook_events"].append(Item(source, "", doc))
        return
    found = [key for key in doc if key in DOC_KEYS]
    if not found:
        mapping.problem(source, "/", "not a recognised Zendesk API response: expected one of the keys "
                                     + ", ".join(sorted(set(DOC_KEYS))))
        return
    single = doc.get("ticket")
    context = single if isinstance(single, dict) else None
    for key in found:
        try:
            for where, record in records_at(doc, key):
                batch.items[DOC_KEYS[key]].append(Item(source, where, record, context))
        except MappingError as exc:
            mapping.problem(source, exc.pointer, str(exc))


def _index(batch: ZendeskBatch, mapping: Mapping) -> None:
    for kind, target in (("organizations", batch.orgs), ("users", batch.users)):
        for item in batch.items[kind]:
            try:
                target[vendor_id(item.record.get("id"), item.position + "/id")] = item.record
            except MappingError as exc:
                mapping.problem(item.source, exc.pointer, str(exc))
    for item in batch.items["tickets"]:
        try:
            raw = vendor_id(item.record.get("id"), item.position + "/id")
            updated = optional_time(item.record.get("updated_at"), item.position + "/updated_at") or EPOCH
        except MappingError as exc:
            mapping.problem(item.source, exc.pointer, str(exc))
            continue
        current = batch.tickets.get(raw)
        if current is None or updated >= (optional_time(current.get("updated_at"), "") or EPOCH):
            batch.tickets[raw] = item.record


def record_time(mapping: Mapping, item: Item, keys: tuple[str, ...], what: str) -> tuple[datetime, bool]:
    """The record's own time (first of `keys`), else the enclosing ticket's, else the import time.

    Returns (time, exact); a fallback is reported, and refused in strict mode."""
    for key in keys:
        if item.record.get(key) not in (None, ""):
            return parse_time(item.record[key], f"{item.position}/{key}"), True
    refusal = f"{what} has no {' or '.join(keys)}"
    enclosing = item.context.get("updated_at") if item.context else None
    if enclosing:
        mapping.fallback(item.source, item.position, refusal, f"{what} without {keys[0]}: dated by its ticket")
        return parse_time(enclosing, "/ticket/updated_at"), False
    mapping.fallback(item.source, item.position, refusal, f"{what} without {keys[0]}: dated at import time")
    return mapping.now, False


def _version(record: dict[str, Any], when: datetime, exact: bool) -> str:
    # Exact times name the version; a fallback time would change on every import, the content does not.
    return stamp(when) if exact else content_id(record)


def _account(mapping: Mapping, item: Item, batch: ZendeskBatch) -> None:
    org, at = item.record, item.position
    raw = vendor_id(org.get("id"), at + "/id")
    fields = org.get("organization_fields") or {}
    arr = next((number(fields.get(k), f"{at}/organization_fields/{k}") for k in ARR_FIELDS
                if fields.get(k) not in (None, "")), 0.0) or 0.0
    label = next((fields.get(k) for k in TIER_FIELDS if fields.get(k)), None)
    tags = {str(t).lower() for t in org.get("tags") or []}
    label = label or next((t for t in ("strategic", "enterprise", "mid_market", "smb") if t in tags), None)
    updated, exact = record_time(mapping, item, ("updated_at", "created_at"), f"organization {raw}")
    name = str(org.get("name") or f"Zendesk organization {raw}")
    mapping.emit(item.source, at, "account.upserted", f"zendesk:org:{raw}:{_version(org, updated, exact)}", updated,
                 {"id": zv.org_id(raw), "name": name, "arr": arr, "tier": tier_for(arr, label),
                  "renewal_date": _date(fields.get("renewal_date"))}, zv.VENDOR)


def _date(value: Any) -> str | None:
    # Custom date fields come as YYYY-MM-DD; anything else is left out rather than guessed.
    text = str(value or "")
    return text if len(text) == 10 and text[4] == "-" and text[7] == "-" else None


def _contact(mapping: Mapping, item: Item, batch: ZendeskBatch) -> None:
    user, at = item.record, item.position
    raw = vendor_id(user.get("id"), at + "/id")
    if str(user.get("role") or "end-user") in zv.STAFF_ROLES:
        mapping.skip(item.source, at, f"user {raw} is staff ({user.get('role')}), not a customer contact")
        return
    updated, exact = record_time(mapping, item, ("updated_at", "created_at"), f"user {raw}")
    org = optional_id(user.get("organization_id"), at + "/organization_id")
    fields = user.get("user_fields") or {}
    mapping.emit(item.source, at, "contact.upserted", f"zendesk:user:{raw}:{_version(user, updated, exact)}",
                 updated,
                 {"id": zv.user_id(raw), "account_id": zv.org_id(org), "name": user.get("name") or user.get("email")
                  or f"Zendesk user {raw}", "email": user.get("email"), "title": fields.get("title"),
                  "is_key_stakeholder": bool(fields.get("key_stakeholder") or fields.get("is_key_stakeholder"))},
                 zv.VENDOR)


def ticket_payload(ticket: dict[str, Any], at: str, metrics: dict[str, Any] | None = None,
                   sla_policy: str | None = None) -> dict[str, Any]:
    """Our Ticket payload from a Zendesk ticket object (REST shape or webhook `detail`)."""
    raw = vendor_id(ticket.get("id"), at + "/id")
    state = zv.status(ticket.get("status"), at + "/status")
    updated = parse_time(ticket.get("updated_at") or ticket.get("created_at"), at + "/updated_at")
    solved = optional_time((metrics or {}).get("solved_at"), at + "/solved_at")
    if solved is None and state in (zv.TicketStatus.solved, zv.TicketStatus.closed):
        solved = updated  # without ticket metrics the last update is the best bound we have
    assignee = optional_id(ticket.get("assignee_id"), at + "/assignee_id")
    group = optional_id(ticket.get("group_id"), at + "/group_id")
    requester = optional_id(ticket.get("requester_id"), at + "/requester_id")
    tags = {str(t).lower() for t in ticket.get("tags") or []}
    return {
        "id": zv.ticket_id(raw),
        "account_id": zv.org_id(optional_id(ticket.get("organization_id"), at + "/organization_id")),
        "contact_id": zv.user_id(requester) if requester else None,
        "subject": first_line(ticket.get("subject")) or first_line(ticket.get("raw_subject"))
        or first_line(ticket.get("description")) or f"(Zendesk ticket {raw})",
        "priority": zv.priority(ticket.get("priority"), at + "/priority"),
        "status": state,
        "assignee": zv.user_id(assignee) if assignee else None,
        "group": f"zendesk:group:{group}" if group else None,
        "sla_policy": sla_policy,
        "reopen_count": int((metrics or {}).get("reopens") or 0),
        "is_escalated": bool(tags & zv.ESCALATION_TAGS),
        "created_at": parse_time(ticket.get("created_at"), at + "/created_at"),
        "solved_at": solved,
    }


def _ticket(mapping: Mapping, item: Item, batch: ZendeskBatch, metrics: dict[str, dict[str, Any]],
            policies: dict[str, str]) -> None:
    ticket, at = item.record, item.position
    raw = vendor_id(ticket.get("id"), at + "/id")
    if str(ticket.get("status", "")).lower() == "deleted":
        mapping.skip(item.source, at, f"ticket {raw} is deleted")
        return
    updated, exact = record_time(mapping, item, ("updated_at", "created_at"), f"ticket {raw}")
    if not ticket.get("created_at"):
        if ticket.get("updated_at"):
            mapping.fallback(item.source, at + "/created_at", f"ticket {raw} has no created_at",
                             "ticket without created_at: created at its last update")
        ticket = {**ticket, "created_at": updated.isoformat(), "updated_at": updated.isoformat()}
    payload = ticket_payload(ticket, at, metrics.get(raw), policies.get(raw))
    if payload["account_id"] == zv.NO_ORG:
        requester_org = batch.user_org(optional_id(ticket.get("requester_id"), at + "/requester_id"))
        payload["account_id"] = zv.org_id(requester_org)
    mapping.emit(item.source, at, "ticket.upserted", f"zendesk:ticket:{raw}:{_version(item.record, updated, exact)}",
                 updated, payload, zv.VENDOR)


def _rating(mapping: Mapping, item: Item, batch: ZendeskBatch) -> None:
    rating, at = item.record, item.position
    raw = vendor_id(rating.get("id"), at + "/id")
    score = zv.csat_score(rating.get("score"))
    if score is None:
        mapping.skip(item.source, at, f"satisfaction rating {raw} has no score ({rating.get('score')!r})")
        return
    ticket = optional_id(rating.get("ticket_id"), at + "/ticket_id")
    created, exact = record_time(mapping, item, ("updated_at", "created_at"), f"satisfaction rating {raw}")
    account = batch.ticket_account(ticket) if ticket else zv.org_id(batch.user_org(
        optional_id(rating.get("requester_id"), at + "/requester_id")))
    mapping.emit(item.source, at, "csat.recorded", f"zendesk:rating:{raw}:{_version(rating, created, exact)}",
                 created,
                 {"id": f"zendesk:rating:{raw}", "account_id": account,
                  "ticket_id": zv.ticket_id(ticket) if ticket else None, "score": score,
                  "comment": rating.get("comment") or None, "created_at": created}, zv.VENDOR)


def _placeholders(mapping: Mapping) -> None:
    # Tickets and contacts may name accounts the batch does not describe; those get a placeholder account
    # that any real organisation record overrides (it is dated 1970 and only written when unknown).
    named = {e.event.payload.account_id for e in mapping.emitted  # type: ignore[attr-defined]
             if hasattr(e.event.payload, "account_id")}
    for account in sorted(named):
        raw = account.rsplit(":", 1)[1]
        name = "Zendesk: no organization" if account == zv.NO_ORG else f"Zendesk organization {raw}"
        mapping.emit("(placeholder)", account, "account.upserted", f"{account}:placeholder", EPOCH,
                     {"id": account, "name": name, "arr": 0, "tier": "smb"}, zv.VENDOR, placeholder=True)


def _prefetch_tickets(batch: ZendeskBatch) -> None:
    # Audits, comments, metric events and ratings name tickets this batch may not describe: one query for all.
    named = {str(i.record.get("ticket_id")) for kind in ("audits", "comments", "ticket_metric_events",
                                                        "satisfaction_ratings") for i in batch.items[kind]}
    batch.known_tickets.prefetch([zv.ticket_id(raw) for raw in sorted(named - set(batch.tickets))
                                  if raw not in ("None", "")])


def map_documents(documents: Sequence[tuple[str, Any]], mapping: Mapping | None = None,
                  known_tickets: StoredTickets | None = None,
                  ticket_id: str | None = None, known_sla: Callable[[str], str | None] | None = None) -> Mapping:
    """Map decoded Zendesk response bodies (source name, JSON) onto events."""
    mapping = mapping or Mapping()
    batch = ZendeskBatch(ticket_hint=ticket_id)
    if known_sla:
        batch.known_sla = known_sla
    if known_tickets:
        batch.known_tickets = known_tickets
    for source, doc in documents:
        _collect(batch, source, doc, mapping)
    events.to_audits(batch, mapping)
    _index(batch, mapping)
    _prefetch_tickets(batch)
    metrics = history.metrics_by_ticket(batch, mapping)
    policies = history.sla_policy_titles(batch, mapping)
    steps: list[tuple[str, Callable[[Mapping, Item, ZendeskBatch], None]]] = [
        ("organizations", _account), ("users", _contact), ("satisfaction_ratings", _rating),
        ("tickets", lambda m, i, b: _ticket(m, i, b, metrics, policies)),
        ("comments", history.comment),
        ("ticket_metric_events", history.metric_event), ("webhook_events", history.webhook_event),
    ]
    for kind, step in steps:
        for item in batch.items[kind]:
            try:
                step(mapping, item, batch)
            except MappingError as exc:
                mapping.problem(item.source, exc.pointer, str(exc))
    history.audits(mapping, batch, policies)
    for item in batch.items["sla_policies"] + batch.items["ticket_metrics"]:
        mapping.skip(item.source, item.position, "reference data: folded into ticket snapshots")
    _placeholders(mapping)
    return mapping


def map_files(paths: Sequence[Path], known_tickets: StoredTickets | None = None,
              on_file: Callable[[Path], None] | None = None, mapping: Mapping | None = None,
              ticket_id: str | None = None, known_sla: Callable[[str], str | None] | None = None) -> Mapping:
    """Read and map Zendesk API response files; problems carry file and JSON pointer or line."""
    mapping = mapping or Mapping()
    documents = []
    for path in paths:
        doc = load_json(path, mapping)
        if doc is not None:
            documents.append((str(path), doc))
        if on_file:
            on_file(path)
    return map_documents(documents, mapping, known_tickets, ticket_id, known_sla)


__all__ = ["map_documents", "map_files", "pointer", "ticket_payload"]
