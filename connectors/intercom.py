"""Intercom conversations (with conversation_parts), contacts and companies -> event envelopes.

Accepted: single objects (`"type": "conversation" | "contact" | "company"`) and list responses
(`conversation.list` with `conversations`, `list` / `company.list` with `data` or `companies`).
"""

from __future__ import annotations

import html
import re
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

VENDOR = "intercom"
NO_COMPANY = "intercom:company:none"
STATES = {"open": TicketStatus.open, "snoozed": TicketStatus.pending, "closed": TicketStatus.solved}
CUSTOMER_AUTHORS = {"user", "lead", "contact"}
LIST_KEYS = ("conversations", "data", "companies", "contacts")
_TAG = re.compile(r"<[^>]+>")


def text_of(body: Any) -> str:
    """Intercom bodies are HTML; keep the text."""
    return html.unescape(_TAG.sub(" ", str(body or ""))).strip()


def _objects(doc: Any, source: str, mapping: Mapping) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(doc, dict) and doc.get("type") in ("conversation", "contact", "company"):
        return [("", doc)]
    if isinstance(doc, dict):
        for key in LIST_KEYS:
            if isinstance(doc.get(key), list):
                return [(pointer(key, i), o) for i, o in enumerate(doc[key]) if isinstance(o, dict)]
            if isinstance(doc.get(key), dict) and isinstance(doc[key].get(key), list):  # contacts: {contacts: [...]}
                return [(pointer(key, key, i), o) for i, o in enumerate(doc[key][key]) if isinstance(o, dict)]
    mapping.problem(source, "/", "not an Intercom conversation, contact or company response")
    return []


def _company(obj: dict[str, Any], source: str, at: str, mapping: Mapping) -> None:
    raw = vendor_id(obj.get("id"), at + "/id")
    updated = parse_time(obj.get("updated_at") or obj.get("created_at"), at + "/updated_at")
    arr = (number(obj.get("monthly_spend"), at + "/monthly_spend") or 0.0) * 12
    plan = (obj.get("plan") or {}).get("name") if isinstance(obj.get("plan"), dict) else None
    mapping.emit(source, at, "account.upserted", f"intercom:company:{raw}:{stamp(updated)}", updated,
                 {"id": f"intercom:company:{raw}", "name": obj.get("name") or f"Intercom company {raw}",
                  "arr": arr, "tier": tier_for(arr, plan)}, VENDOR)


def _contact_company(obj: dict[str, Any]) -> str | None:
    companies = obj.get("companies") or {}
    data = companies.get("data") or companies.get("companies") or [] if isinstance(companies, dict) else []
    return str(data[0]["id"]) if data and isinstance(data[0], dict) and data[0].get("id") else None


def _contact(obj: dict[str, Any], source: str, at: str, mapping: Mapping) -> None:
    raw = vendor_id(obj.get("id"), at + "/id")
    updated = parse_time(obj.get("updated_at") or obj.get("created_at"), at + "/updated_at")
    company = _contact_company(obj)
    mapping.emit(source, at, "contact.upserted", f"intercom:contact:{raw}:{stamp(updated)}", updated,
                 {"id": f"intercom:contact:{raw}", "account_id": f"intercom:company:{company}" if company
                  else NO_COMPANY, "name": obj.get("name") or obj.get("email") or f"Intercom contact {raw}",
                  "email": obj.get("email")}, VENDOR)


def _side(author: Any) -> str:
    kind = author.get("type") if isinstance(author, dict) else None
    return "customer" if kind in CUSTOMER_AUTHORS else "agent"


def _conversation(obj: dict[str, Any], source: str, at: str, mapping: Mapping, companies: dict[str, str]) -> None:
    raw = vendor_id(obj.get("id"), at + "/id")
    ticket = f"intercom:conversation:{raw}"
    state = str(obj.get("state") or ("open" if obj.get("open") else "closed")).lower()
    if state not in STATES:
        raise MappingError(at + "/state", f"unknown conversation state {state!r} (open, snoozed, closed)")
    created = parse_time(obj.get("created_at"), at + "/created_at")
    updated = parse_time(obj.get("updated_at") or obj.get("created_at"), at + "/updated_at")
    people = ((obj.get("contacts") or {}).get("contacts") or []) if isinstance(obj.get("contacts"), dict) else []
    contact = str(people[0]["id"]) if people and isinstance(people[0], dict) and people[0].get("id") else None
    account = companies.get(contact or "") or NO_COMPANY
    source_part = obj.get("source") or {}
    stats = obj.get("statistics") or {}
    status = STATES[state]
    payload = {"id": ticket, "account_id": account, "contact_id": f"intercom:contact:{contact}" if contact else None,
               "subject": first_line(obj.get("title")) or first_line(text_of(source_part.get("subject")))
               or first_line(text_of(source_part.get("body"))) or f"(Intercom conversation {raw})",
               "priority": Priority.p2 if obj.get("priority") == "priority" else Priority.p3, "status": status,
               "assignee": f"intercom:admin:{obj['admin_assignee_id']}" if obj.get("admin_assignee_id") else None,
               "group": f"intercom:team:{obj['team_assignee_id']}" if obj.get("team_assignee_id") else None,
               "reopen_count": max(int(stats.get("count_reopens") or 0), 0), "created_at": created,
               "solved_at": optional_time(stats.get("last_close_at"), at + "/statistics/last_close_at")
               if status is TicketStatus.solved else None}
    mapping.emit(source, at, "ticket.upserted", f"{ticket}:{stamp(updated)}", updated, payload, VENDOR)
    parts = [(f"{at}/source", {**source_part, "id": f"{raw}-source", "part_type": "comment", "created_at":
              obj.get("created_at")})]
    listed = (obj.get("conversation_parts") or {}).get("conversation_parts") or []
    parts += [(f"{at}/conversation_parts/conversation_parts/{i}", p) for i, p in enumerate(listed)]
    for where, part in parts:
        kind, text = part.get("part_type"), text_of(part.get("body"))
        if kind not in ("comment", "note") or not text:
            mapping.skip(source, where, f"conversation part {kind!r} without text to keep")
            continue
        part_id = vendor_id(part.get("id"), where + "/id")
        when = parse_time(part.get("created_at"), where + "/created_at")
        author = part.get("author") or {}
        mapping.emit(source, where, "message.created", f"intercom:part:{part_id}", when,
                     {"id": f"intercom:part:{part_id}", "ticket_id": ticket, "account_id": account,
                      "author_side": "internal" if kind == "note" else _side(author),
                      "author_id": f"intercom:{author.get('type')}:{author['id']}" if author.get("id") else None,
                      "channel": "chat", "text": text, "created_at": when}, VENDOR)
    rating = obj.get("conversation_rating")
    if isinstance(rating, dict) and rating.get("rating"):
        when = parse_time(rating.get("created_at") or obj.get("updated_at"), at + "/conversation_rating/created_at")
        mapping.emit(source, at + "/conversation_rating", "csat.recorded", f"intercom:rating:{raw}:{stamp(when)}",
                     when, {"id": f"intercom:rating:{raw}", "account_id": account, "ticket_id": ticket,
                            "score": rating.get("rating"), "comment": rating.get("remark") or None,
                            "created_at": when}, VENDOR)


def map_files(paths: Sequence[Path], on_file: Callable[[Path], None] | None = None) -> Mapping:
    mapping = Mapping()
    found: list[tuple[str, str, dict[str, Any]]] = []
    for path in paths:
        doc = load_json(path, mapping)
        if on_file:
            on_file(path)
        if doc is not None:
            found += [(str(path), at, obj) for at, obj in _objects(doc, str(path), mapping)]
    companies = {str(o.get("id")): f"intercom:company:{c}" for _, _, o in found
                 if o.get("type") == "contact" and (c := _contact_company(o))}
    for source, at, obj in found:
        try:
            if obj.get("type") == "company":
                _company(obj, source, at, mapping)
            elif obj.get("type") == "contact":
                _contact(obj, source, at, mapping)
            elif obj.get("type") == "conversation":
                _conversation(obj, source, at, mapping, companies)
            else:
                mapping.problem(source, at + "/type", f"unsupported Intercom object type {obj.get('type')!r}")
        except MappingError as exc:
            mapping.problem(source, exc.pointer, str(exc))
    return mapping
