"""Zendesk ticket history: audits (replayed into snapshots), comments, metric events, webhook events."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from connectors import zendesk_values as zv
from connectors.base import (
    EPOCH,
    Mapping,
    MappingError,
    content_id,
    optional_id,
    optional_time,
    parse_time,
    stamp,
    vendor_id,
)
from core.models.records import AuthorSide, TicketStatus

if TYPE_CHECKING:
    from connectors.zendesk import Item, ZendeskBatch

TRACKED = ("status", "priority", "assignee_id", "group_id", "organization_id", "requester_id", "subject", "tags")
OPEN_AGAIN = {"new", "open", "pending", "hold"}
COMMENT_TYPES = {"Comment", "VoiceComment"}
SLA_METRICS = {
    "requester_wait_time": "resolution", "agent_work_time": "resolution", "resolution_time": "resolution",
    "pausable_update_time": "next_reply", "periodic_update_time": "next_reply",
}
_TICKET_IN_NAME = re.compile(r"tickets?[-_/.]?(\d+)", re.IGNORECASE)


def metrics_by_ticket(batch: ZendeskBatch, mapping: Mapping) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in batch.items["ticket_metrics"]:
        try:
            found[vendor_id(item.record.get("ticket_id"), item.position + "/ticket_id")] = item.record
        except MappingError as exc:
            mapping.problem(item.source, exc.pointer, str(exc))
    return found


def sla_policy_titles(batch: ZendeskBatch, mapping: Mapping) -> dict[str, str]:
    """Ticket -> title of the SLA policy last applied to it (from apply_sla metric events)."""
    titles: dict[str, tuple[datetime, str]] = {}
    for item in batch.items["ticket_metric_events"]:
        event = item.record
        policy = (event.get("sla") or {}).get("policy") if isinstance(event.get("sla"), dict) else None
        if event.get("type") != "apply_sla" or not isinstance(policy, dict) or not policy.get("title"):
            continue
        try:
            ticket = vendor_id(event.get("ticket_id"), item.position + "/ticket_id")
            at = parse_time(event.get("time"), item.position + "/time")
        except MappingError as exc:
            mapping.problem(item.source, exc.pointer, str(exc))
            continue
        if ticket not in titles or titles[ticket][0] <= at:
            titles[ticket] = (at, str(policy["title"]))
    return {ticket: title for ticket, (_, title) in titles.items()}


def _author_side(batch: ZendeskBatch, author: str | None, requester: str | None, public: bool) -> AuthorSide:
    if not public:
        return AuthorSide.internal
    user = batch.users.get(author or "")
    if user is not None:
        return AuthorSide.agent if user.get("role") in zv.STAFF_ROLES else AuthorSide.customer
    return AuthorSide.customer if requester is None or author == requester else AuthorSide.agent


def _message(mapping: Mapping, source: str, at: str, batch: ZendeskBatch, comment: dict[str, Any], ticket: str,
             created: datetime, via: Any, requester: str | None) -> None:
    raw = vendor_id(comment.get("id"), at + "/id")
    text = comment.get("plain_body") or comment.get("body") or ""
    if not str(text).strip():
        mapping.skip(source, at, f"comment {raw} has no text")
        return
    author = optional_id(comment.get("author_id"), at + "/author_id")
    public = comment.get("public", True) is not False
    mapping.emit(source, at, "message.created", f"zendesk:comment:{raw}", created,
                 {"id": f"zendesk:comment:{raw}", "ticket_id": zv.ticket_id(ticket),
                  "account_id": batch.ticket_account(ticket),
                  "author_side": _author_side(batch, author, requester, public),
                  "author_id": zv.user_id(author) if author else None,
                  "channel": zv.channel(comment.get("via") or via), "text": str(text), "created_at": created},
                 zv.VENDOR)


def comment(mapping: Mapping, item: Item, batch: ZendeskBatch) -> None:
    """A comment from the Ticket Comments API; its ticket id comes from the record or the file name."""
    record = item.record
    ticket = optional_id(record.get("ticket_id"), item.position + "/ticket_id") or batch.enclosing_ticket(item)
    if ticket is None:
        named = _TICKET_IN_NAME.search(item.source.rsplit("/", 1)[-1])
        if named is None:
            raise MappingError(item.position, "a comments response does not name its ticket: pass --ticket-id, "
                                              "or name the file after it, e.g. ticket-35436-comments.json")
        ticket = named.group(1)
    known = batch.tickets.get(ticket) or {}
    from connectors.zendesk import record_time

    created, _exact = record_time(mapping, item, ("created_at",), f"comment {record.get('id')}")
    requester = optional_id(known.get("requester_id"), item.position + "/requester_id")
    _message(mapping, item.source, item.position, batch, record, ticket, created, record.get("via"), requester)


def _tags(value: Any) -> list[str]:
    return [str(t) for t in value] if isinstance(value, list) else str(value or "").split()


def audits(mapping: Mapping, batch: ZendeskBatch, policies: dict[str, str]) -> None:
    """Replay each ticket's audits in order: one snapshot per audit that changed a tracked field."""
    by_ticket: dict[str, list[Item]] = defaultdict(list)
    for item in batch.items["audits"]:
        try:
            if item.record.get("ticket_id") in (None, ""):
                # An audit inside a ticket-update response: the ticket is the response's own.
                ticket = batch.enclosing_ticket(item)
                if ticket is None:
                    raise MappingError(item.position + "/ticket_id", "an audit without ticket_id needs its ticket: "
                                                                     "the response's ticket or --ticket-id")
                item.record = {**item.record, "ticket_id": ticket}
            _complete_audit(mapping, item)
            by_ticket[vendor_id(item.record.get("ticket_id"), item.position + "/ticket_id")].append(item)
        except MappingError as exc:
            mapping.problem(item.source, exc.pointer, str(exc))
    rated = {str(i.record.get("ticket_id")) for i in batch.items["satisfaction_ratings"]}
    for ticket, items in by_ticket.items():
        try:
            _replay(mapping, batch, ticket, items, ticket in rated, policies.get(ticket))
        except MappingError as exc:
            mapping.problem(items[0].source, exc.pointer, str(exc))


def _complete_audit(mapping: Mapping, item: Item) -> None:
    """The Update Ticket response's audit has neither id nor created_at: fill both in, and say so."""
    from connectors.zendesk import record_time

    if item.record.get("created_at") in (None, ""):
        when, _exact = record_time(mapping, item, ("created_at",), "audit")
        item.record = {**item.record, "created_at": when.isoformat()}
    if item.record.get("id") in (None, ""):
        mapping.fallback(item.source, item.position + "/id", "an audit needs its id",
                         "audit without id: id made from its content")
        item.record = {**item.record, "id": content_id(item.record)}


def _replay(mapping: Mapping, batch: ZendeskBatch, ticket: str, items: list[Item], rated: bool,
            policy: str | None) -> None:
    from connectors.zendesk import ticket_payload

    timed = sorted(((parse_time(i.record.get("created_at"), i.position + "/created_at"), i) for i in items),
                   key=lambda pair: (pair[0], str(pair[1].record.get("id"))))
    known = batch.tickets.get(ticket) or {}
    state: dict[str, Any] = {"id": ticket, "created_at": known.get("created_at") or timed[0][0].isoformat(),
                             "subject": known.get("subject"), "organization_id": known.get("organization_id")}
    reopens, solved_at = 0, None
    stored = None if known else batch.known_tickets(zv.ticket_id(ticket))
    if stored is not None:
        # Audits of a ticket this batch does not describe (a later page of the ticket-events export): start
        # from what is stored, so a snapshot keeps its account, requester and subject.
        state.update(zv.stored_state(stored))
        reopens, solved_at = stored.reopen_count, stored.solved_at
    for created, item in timed:
        changed = False
        for index, event in enumerate(item.record.get("events") or []):
            at = f"{item.position}/events/{index}"
            kind = event.get("type")
            field = event.get("field_name")
            if kind in ("Create", "Change") and field in TRACKED and not isinstance(event.get("value"), dict):
                value = _tags(event.get("value")) if field == "tags" else event.get("value")
                if field == "status":
                    before = str(event.get("previous_value") or state.get("status") or "").lower()
                    now = str(value or "").lower()
                    if before in ("solved", "closed") and now in OPEN_AGAIN:
                        reopens, solved_at = reopens + 1, None
                    elif now == "solved" and before != "solved":
                        solved_at = created
                state[field] = value
                changed = True
            elif kind in COMMENT_TYPES:
                requester = optional_id(state.get("requester_id"), at + "/requester_id")
                _message(mapping, item.source, at, batch, event, ticket, created, item.record.get("via"), requester)
            elif kind == "SatisfactionRating" and not rated:
                _audit_rating(mapping, item.source, at, batch, event, ticket, created)
            elif kind in ("Create", "Change") and field not in TRACKED and not isinstance(event.get("value"), dict):
                mapping.skip(item.source, at, f"{kind} of {field!r} is not tracked")
            else:
                reason = "SLA target change (SLA outcomes come from ticket metric events)" \
                    if "sla" in str(kind).lower() or isinstance(event.get("value"), dict) else f"{kind} event"
                mapping.skip(item.source, at, reason)
        if not changed:
            continue
        if not state.get("status"):
            mapping.skip(item.source, item.position, f"audit of ticket {ticket} before its status is known")
            continue
        state["updated_at"] = created.isoformat()
        payload = ticket_payload(state, item.position, None, policy)
        payload["reopen_count"] = reopens
        payload["solved_at"] = solved_at if payload["status"] in (TicketStatus.solved, TicketStatus.closed) else None
        audit_id = vendor_id(item.record.get("id"), item.position + "/id")
        mapping.emit(item.source, item.position, "ticket.upserted", f"zendesk:ticket:{ticket}:audit:{audit_id}",
                     created, payload, zv.VENDOR)


def _audit_rating(mapping: Mapping, source: str, at: str, batch: ZendeskBatch, event: dict[str, Any],
                  ticket: str, created: datetime) -> None:
    score = zv.csat_score(event.get("score"))
    if score is None:
        mapping.skip(source, at, f"satisfaction rating event without a score ({event.get('score')!r})")
        return
    raw = vendor_id(event.get("id"), at + "/id")
    mapping.emit(source, at, "csat.recorded", f"zendesk:rating-event:{raw}", created,
                 {"id": f"zendesk:rating-event:{raw}", "account_id": batch.ticket_account(ticket),
                  "ticket_id": zv.ticket_id(ticket), "score": score, "comment": event.get("body") or None,
                  "created_at": created}, zv.VENDOR)


def _sla_metric(metric: str, instance: Any) -> str | None:
    if metric == "reply_time":
        return "first_response" if str(instance) in ("1", "None") else "next_reply"
    return SLA_METRICS.get(metric)


def metric_event(mapping: Mapping, item: Item, batch: ZendeskBatch) -> None:
    """breach -> SLA breached; fulfill without a breach -> met (due from apply_sla target); others skipped."""
    event, at = item.record, item.position
    kind = event.get("type")
    if kind not in ("breach", "fulfill"):
        mapping.skip(item.source, at, f"metric event {kind!r}")
        return
    ticket = vendor_id(event.get("ticket_id"), at + "/ticket_id")
    metric = _sla_metric(str(event.get("metric")), event.get("instance_id"))
    if metric is None:
        mapping.skip(item.source, at, f"metric {event.get('metric')!r} has no SLA meaning here")
        return
    key = (str(event.get("ticket_id")), event.get("metric"), event.get("instance_id"))
    siblings = [i.record for i in batch.items["ticket_metric_events"]
                if (str(i.record.get("ticket_id")), i.record.get("metric"), i.record.get("instance_id")) == key]
    sla_id = f"zendesk:sla:{ticket}:{event.get('metric')}:{event.get('instance_id')}"
    breached = any(s.get("type") == "breach" for s in siblings) or batch.known_sla(sla_id) == "breached"
    if kind == "fulfill" and not breached:
        status = "met"
    elif kind == "breach":
        status = "breached"
    else:
        mapping.skip(item.source, at, "fulfilled after a breach (the breach is recorded)")
        return
    when = parse_time(event.get("time"), at + "/time")
    due = when if kind == "breach" else _due(siblings) or when
    raw = vendor_id(event.get("id"), at + "/id")
    mapping.emit(item.source, at, "sla.recorded", f"zendesk:metric_event:{raw}", when,
                 {"id": sla_id,
                  "ticket_id": zv.ticket_id(ticket), "account_id": batch.ticket_account(ticket), "metric": metric,
                  "status": status, "due_at": due, "occurred_at": when}, zv.VENDOR)


def _due(siblings: list[dict[str, Any]]) -> datetime | None:
    applied = [s for s in siblings if s.get("type") == "apply_sla" and isinstance(s.get("sla"), dict)]
    started = [optional_time(s.get("time"), "") for s in siblings if s.get("type") == "activate"]
    target = applied[-1]["sla"].get("target") if applied else None
    if not started or not isinstance(target, int | float):
        return None
    return min(t for t in started if t is not None) + timedelta(minutes=target)


def webhook_event(mapping: Mapping, item: Item, batch: ZendeskBatch) -> None:
    """A Zendesk event-subscription payload (`zen:event-type:ticket.*`): ticket snapshot, plus comment if any."""
    body = item.record
    kind = str(body.get("type"))
    if not kind.startswith("zen:event-type:ticket."):
        mapping.skip(item.source, "/type", f"{kind} is not a ticket event")
        return
    detail = body.get("detail")
    if not isinstance(detail, dict):
        raise MappingError("/detail", "expected the ticket as an object")
    from connectors.zendesk import ticket_payload

    ticket = vendor_id(detail.get("id"), "/detail/id")
    if detail.get("status") and detail.get("created_at"):
        updated = parse_time(detail.get("updated_at") or body.get("time"), "/detail/updated_at")
        payload = ticket_payload(detail, "/detail")
        mapping.emit(item.source, "/detail", "ticket.upserted", f"zendesk:ticket:{ticket}:{stamp(updated)}",
                     updated, payload, zv.VENDOR)
    note = (body.get("event") or {}).get("comment") if isinstance(body.get("event"), dict) else None
    if isinstance(note, dict):
        author = note.get("author") or {}
        staff = author.get("is_staff")
        record = {"id": note.get("id"), "body": note.get("body"), "public": note.get("is_public", True),
                  "author_id": author.get("id"), "via": detail.get("via")}
        if staff is not None and str(author.get("id")) not in batch.users:
            batch.users[str(author.get("id"))] = {"role": "agent" if staff else "end-user"}
        created = parse_time(body.get("time") or EPOCH.isoformat(), "/time")
        requester = optional_id(detail.get("requester_id"), "/detail/requester_id")
        _message(mapping, item.source, "/event/comment", batch, record, ticket, created, detail.get("via"), requester)
