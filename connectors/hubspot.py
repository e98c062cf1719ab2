"""HubSpot CRM v3 objects (tickets, contacts, companies) -> event envelopes.

Accepted: list, search and batch-read responses (`{"results": [...]}`) and single objects
(`{"id", "properties", "createdAt", "updatedAt", "associations"?}`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from connectors.base import (
    Mapping,
    MappingError,
    first_line,
    load_json,
    number,
    optional_time,
    parse_time,
    pointer,
    stamp,
    tier_for,
    vendor_id,
)
from core.models.records import Priority, TicketStatus

VENDOR = "hubspot"
NO_COMPANY = "hubspot:company:none"
PRIORITIES = {"urgent": Priority.p1, "high": Priority.p2, "medium": Priority.p3, "low": Priority.p4}
# Stage ids of HubSpot's default support pipeline ("0"); stages of custom pipelines count as open.
DEFAULT_STAGES = {"1": TicketStatus.new, "2": TicketStatus.pending, "3": TicketStatus.open, "4": TicketStatus.closed}


def _kind(props: dict[str, Any], path: Path) -> str | None:
    if "hs_pipeline_stage" in props or "hs_ticket_priority" in props or "subject" in props:
        return "ticket"
    if "email" in props or "firstname" in props or "lastname" in props:
        return "contact"
    if "domain" in props or "annualrevenue" in props or "name" in props:
        return "company"
    stem = path.stem.lower()
    return next((k for k in ("ticket", "contact", "compan") if k in stem), None)


def _associated(obj: dict[str, Any], name: str) -> str | None:
    results = ((obj.get("associations") or {}).get(name) or {}).get("results") or []
    return str(results[0]["id"]) if results and isinstance(results[0], dict) and results[0].get("id") else None


def _map(obj: dict[str, Any], kind: str, source: str, at: str, mapping: Mapping) -> None:
    props = obj.get("properties") or {}
    raw = vendor_id(obj.get("id") or props.get("hs_object_id"), at + "/id")
    updated = parse_time(obj.get("updatedAt") or props.get("hs_lastmodifieddate") or props.get("lastmodifieddate")
                         or obj.get("createdAt") or props.get("createdate"), at + "/updatedAt")
    created = parse_time(props.get("createdate") or obj.get("createdAt"), at + "/properties/createdate")
    company = _associated(obj, "companies") or props.get("associatedcompanyid")
    account = f"hubspot:company:{company}" if company else NO_COMPANY
    if kind == "company":
        arr = number(props.get("annualrevenue"), at + "/properties/annualrevenue") or 0.0
        payload = {"id": f"hubspot:company:{raw}", "name": props.get("name") or props.get("domain")
                   or f"HubSpot company {raw}", "arr": arr, "tier": tier_for(arr, props.get("tier"))}
        mapping.emit(source, at, "account.upserted", f"hubspot:company:{raw}:{stamp(updated)}", updated, payload, VENDOR)
    elif kind == "contact":
        name = " ".join(str(props[k]) for k in ("firstname", "lastname") if props.get(k)) or props.get("email")
        payload = {"id": f"hubspot:contact:{raw}", "account_id": account, "name": name or f"HubSpot contact {raw}",
                   "email": props.get("email"), "title": props.get("jobtitle")}
        mapping.emit(source, at, "contact.upserted", f"hubspot:contact:{raw}:{stamp(updated)}", updated, payload, VENDOR)
    else:
        _ticket(obj, props, raw, account, created, updated, source, at, mapping)


def _ticket(obj: dict[str, Any], props: dict[str, Any], raw: str, account: str, created: Any, updated: Any,
            source: str, at: str, mapping: Mapping) -> None:
    level = str(props.get("hs_ticket_priority") or "medium").strip().lower()
    if level not in PRIORITIES:
        raise MappingError(at + "/properties/hs_ticket_priority", f"unknown priority {level!r}")
    stage = str(props.get("hs_pipeline_stage") or "")
    default_pipeline = str(props.get("hs_pipeline") or "0") == "0"
    status = DEFAULT_STAGES.get(stage, TicketStatus.open) if default_pipeline else TicketStatus.open
    closed = optional_time(props.get("closed_date"), at + "/properties/closed_date")
    if closed is not None and status not in (TicketStatus.closed, TicketStatus.solved):
        status = TicketStatus.closed
    contact = _associated(obj, "contacts")
    owner = props.get("hubspot_owner_id")
    ticket = f"hubspot:ticket:{raw}"
    payload = {"id": ticket, "account_id": account, "contact_id": f"hubspot:contact:{contact}" if contact else None,
               "subject": first_line(props.get("subject")) or first_line(props.get("content"))
               or f"(HubSpot ticket {raw})", "priority": PRIORITIES[level], "status": status,
               "assignee": f"hubspot:owner:{owner}" if owner else None, "created_at": created, "solved_at": closed,
               "is_escalated": str(props.get("hs_ticket_category") or "").upper() == "ESCALATION"}
    mapping.emit(source, at, "ticket.upserted", f"{ticket}:{stamp(updated)}", updated, payload, VENDOR)
    if props.get("content"):
        mapping.emit(source, at, "message.created", f"{ticket}:content", created,
                     {"id": f"{ticket}:content", "ticket_id": ticket, "account_id": account,
                      "author_side": "customer", "author_id": payload["contact_id"], "text": str(props["content"]),
                      "created_at": created}, VENDOR)


def map_files(paths: Sequence[Path], on_file: Callable[[Path], None] | None = None) -> Mapping:
    mapping = Mapping()
    for path in paths:
        source = str(path)
        doc = load_json(path, mapping)
        if on_file:
            on_file(path)
        if doc is None:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("results"), list):
            objects = [(pointer("results", i), o) for i, o in enumerate(doc["results"])]
        elif isinstance(doc, dict) and "properties" in doc:
            objects = [("", doc)]
        else:
            mapping.problem(source, "/", "not a HubSpot CRM v3 response (expected `results` or an object "
                                         "with `properties`)")
            continue
        for at, obj in objects:
            if not isinstance(obj, dict) or not isinstance(obj.get("properties"), dict):
                mapping.problem(source, at + "/properties", "expected a CRM object with `properties`")
                continue
            kind = _kind(obj["properties"], path)
            if kind is None:
                mapping.problem(source, at + "/properties", "cannot tell ticket, contact or company apart")
                continue
            try:
                _map(obj, kind, source, at, mapping)
            except MappingError as exc:
                mapping.problem(source, exc.pointer, str(exc))
    return mapping
