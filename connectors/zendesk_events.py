"""Zendesk incremental ticket events (`/api/v2/incremental/ticket_events`) -> audits the replay understands.

Each ticket event is one update of a ticket: `ticket_id`, `created_at` (or `timestamp`), `updater_id`, `via`
and `child_events`. A child is a `Create`/`Change` of a field (the field's name is the child's key, e.g.
`"status": "open"` with `previous_value`, or `field_name`/`value` as in audits), or with the `comment_events`
side-load a `Comment` with its body. They become audits, so snapshots, reopens and comments come out exactly
as from the Ticket Audits API (same comment ids: the two never double-count).

The API reference's own example of this endpoint shows a metric-event-shaped record (`metric`, `type:
measure`); such records are read as ticket metric events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base import Mapping

if TYPE_CHECKING:
    from connectors.zendesk import ZendeskBatch

META_KEYS = frozenset({"id", "via", "via_reference_id", "event_type", "type", "previous_value", "audit_id",
                       "created_at", "field_name", "value"})
FIELD_KEYS = ("status", "priority", "assignee_id", "group_id", "organization_id", "requester_id", "subject",
              "tags", "type", "ticket_form_id", "brand_id", "due_at", "description")
COMMENT_KINDS = frozenset({"Comment", "VoiceComment"})
TEXT_KEYS = ("body", "plain_body", "html_body")


def _child(mapping: Mapping, source: str, at: str, child: dict[str, Any]) -> dict[str, Any] | None:
    kind = child.get("event_type") or child.get("type")
    if kind in COMMENT_KINDS:
        if not any(key in child for key in TEXT_KEYS):
            mapping.skip(source, at, "comment text not exported (ask for include=comment_events)")
            return None
        return {**child, "type": kind}
    if kind in ("Create", "Change") and "field_name" not in child:
        named = [key for key in child if key not in META_KEYS and key not in ("added_tags", "removed_tags")]
        field = next((key for key in FIELD_KEYS if key in named), named[0] if named else None)
        if field is None:
            mapping.skip(source, at, f"{kind} event without a field")
            return None
        return {"id": child.get("id"), "type": kind, "field_name": field, "value": child.get(field),
                "previous_value": child.get("previous_value")}
    return {**child, "type": kind}


def to_audits(batch: ZendeskBatch, mapping: Mapping) -> None:
    """Move `ticket_events` items to the audits (or, for metric-shaped records, the metric events)."""
    from connectors.zendesk import Item

    for item in batch.items.pop("ticket_events", []):
        record = item.record
        if "metric" in record and "child_events" not in record:
            batch.items["ticket_metric_events"].append(item)
            continue
        children = record.get("child_events")
        if not isinstance(children, list):
            mapping.problem(item.source, item.position + "/child_events",
                            "a ticket event needs child_events (the changes of that update)")
            continue
        events = []
        for index, child in enumerate(children):
            at = f"{item.position}/child_events/{index}"
            if isinstance(child, dict) and (normal := _child(mapping, item.source, at, child)) is not None:
                events.append(normal)
        via = record.get("via")
        audit = {"id": record.get("id"), "ticket_id": record.get("ticket_id"),
                 "created_at": record.get("created_at") or record.get("timestamp"),
                 "author_id": record.get("updater_id"), "events": events,
                 "via": via if isinstance(via, dict) else {"channel": _channel_word(via)}}
        batch.items["audits"].append(Item(item.source, item.position, audit, item.context))


def _channel_word(via: Any) -> str | None:
    # The export writes `via` as a label ("Web form", "Mail", "Closed ticket"): keep the channel we know.
    text = str(via or "").strip().lower()
    for word, channel in (("mail", "email"), ("web", "web"), ("chat", "chat"), ("voice", "voice"),
                          ("phone", "voice"), ("api", "api"), ("sms", "sms"), ("slack", "slack")):
        if word in text:
            return channel
    return None
