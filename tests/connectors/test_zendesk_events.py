"""Zendesk ticket events (the incremental export) and metric events read across pages."""

from __future__ import annotations

from connectors import zendesk


def _page(*events: dict) -> list[tuple[str, dict]]:
    return [("ticket_events.json", {"ticket_events": list(events), "end_of_stream": True, "end_time": 1})]


def test_child_events_keyed_by_field_name_replay_like_audits() -> None:
    created = {"id": 1, "ticket_id": 7, "created_at": "2026-10-01T08:00:00Z", "updater_id": 5, "via": "Mail",
               "event_type": "Audit", "child_events": [
                   {"id": 11, "event_type": "Create", "status": "new"},
                   {"id": 12, "event_type": "Create", "organization_id": 300},
                   {"id": 13, "event_type": "Comment", "body": "It is down", "public": True, "author_id": 5}]}
    reopened = {"id": 2, "ticket_id": 7, "timestamp": 1_790_000_000, "event_type": "Audit", "child_events": [
        {"id": 21, "event_type": "Change", "status": "solved", "previous_value": "new"},
        {"id": 22, "comment_present": True, "comment_public": True, "event_type": "Comment"}]}
    mapping = zendesk.map_documents(_page(created, reopened))
    assert mapping.problems == []
    by_type = {(e.event.type, e.event.event_id): e.event.payload for e in mapping.emitted}
    first = by_type[("ticket.upserted", "zendesk:ticket:7:audit:1")]
    assert first.account_id == "zendesk:org:300" and first.status == "new"
    assert by_type[("ticket.upserted", "zendesk:ticket:7:audit:2")].status == "solved"
    message = by_type[("message.created", "zendesk:comment:13")]
    assert message.text == "It is down" and message.channel == "email"
    assert "comment text not exported (ask for include=comment_events)" in {s.reason for s in mapping.skipped}


def test_a_fulfil_after_a_stored_breach_stays_a_breach() -> None:
    fulfil = {"id": 9, "ticket_id": 7, "metric": "reply_time", "instance_id": 1, "type": "fulfill",
              "time": "2026-10-01T10:00:00Z"}
    doc = [("metric_events.json", {"ticket_metric_events": [fulfil], "count": 1, "end_time": 1})]
    alone = zendesk.map_documents(doc)
    assert [e.event.payload.status for e in alone.emitted if e.event.type == "sla.recorded"] == ["met"]
    after = zendesk.map_documents(doc, known_sla=lambda sla: "breached" if sla == "zendesk:sla:7:reply_time:1" else None)
    assert [e for e in after.emitted if e.event.type == "sla.recorded"] == []
    assert "fulfilled after a breach (the breach is recorded)" in {s.reason for s in after.skipped}
