"""Zendesk API responses: documented shapes map onto our records; imports are idempotent and atomic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors import zendesk
from connectors.base import parse_time
from connectors.importer import run_import
from core.db import schema as t
from core.db import table_counts
from core.ingest import IngestError
from tests.connectors.conftest import ZENDESK_SAMPLE

SAMPLE = sorted(ZENDESK_SAMPLE.glob("*.json"))
TICKET = {"id": 4294967297, "subject": "Printer on fire", "priority": "urgent", "status": "hold",
          "requester_id": 20978392, "organization_id": None, "assignee_id": 235323, "tags": ["escalated"],
          "created_at": "2009-07-20T22:55:29Z", "updated_at": "2011/05/05 10:38:52 -0700"}


def _events(*docs: object) -> list:
    mapping = zendesk.map_documents([(f"doc{i}.json", d) for i, d in enumerate(docs)])
    assert not mapping.problems, mapping.problems
    return [e.event for e in mapping.emitted]


def test_single_ticket_with_large_id_old_timestamp_and_no_org() -> None:
    events = _events({"ticket": TICKET})
    ticket = next(e for e in events if e.type == "ticket.upserted")
    assert ticket.payload.id == "zendesk:ticket:4294967297"
    assert ticket.payload.account_id == "zendesk:org:none"
    assert (ticket.payload.priority, ticket.payload.status) == ("p1", "on_hold")
    assert ticket.payload.is_escalated
    assert ticket.occurred_at == parse_time("2011-05-05T17:38:52Z", "")
    assert ticket.event_id == "zendesk:ticket:4294967297:20110505T173852Z"
    placeholder = next(e for e in events if e.type == "account.upserted")
    assert placeholder.payload.id == "zendesk:org:none"


@pytest.mark.parametrize("page", [
    {"tickets": [TICKET], "next_page": None, "previous_page": None, "count": 1},
    {"tickets": [TICKET], "meta": {"has_more": False, "after_cursor": "xyz", "before_cursor": None},
     "links": {"next": None, "prev": None}},
    {"tickets": [TICKET], "next_page": "https://x.zendesk.com/api/v2/incremental/tickets.json?start_time=1383685952",
     "count": 1, "end_of_stream": True, "end_time": 1383685952},
    {"tickets": [TICKET], "after_url": None, "after_cursor": "MTU3", "before_url": None, "before_cursor": None,
     "end_of_stream": True, "users": [], "organizations": []},
], ids=["offset-list", "cursor-list", "incremental-time", "incremental-cursor-sideloads"])
def test_ticket_pages(page: dict) -> None:
    assert [e.payload.id for e in _events(page) if e.type == "ticket.upserted"] == ["zendesk:ticket:4294967297"]


def test_sample_maps_handoffs_reopens_sla_and_csat(sqlite_engine: sa.Engine) -> None:
    summary = run_import(sqlite_engine, "zendesk", SAMPLE)
    assert (summary.created, summary.updated) == (20, 4)
    with sqlite_engine.connect() as c:
        reopened = c.execute(sa.select(t.tickets).where(t.tickets.c.id == "zendesk:ticket:8589934593")).one()
        assignees = c.scalars(sa.select(t.ticket_snapshots.c.assignee)
                              .where(t.ticket_snapshots.c.ticket_id == "zendesk:ticket:8589934593")
                              .order_by(t.ticket_snapshots.c.occurred_at)).all()
        sides = dict(c.execute(sa.select(t.messages.c.id, t.messages.c.author_side)).all())
        sla = c.execute(sa.select(t.sla_events.c.metric, t.sla_events.c.status)).all()
        tiers = dict(c.execute(sa.select(t.accounts.c.id, t.accounts.c.tier)).all())
    assert reopened.reopen_count == 1 and reopened.status == "open" and reopened.sla_policy == "Standard"
    assert "zendesk:user:361002468024" in assignees and assignees[-1] == "zendesk:user:361002468025"
    assert sides["zendesk:comment:9000000000003"] == "internal"
    assert sides["zendesk:comment:9000000000002"] == "agent"
    assert sides["zendesk:comment:9000000000001"] == "customer"
    assert sorted(sla) == [("first_response", "breached"), ("first_response", "met")]
    assert tiers["zendesk:org:360001234567"] == "strategic" and tiers["zendesk:org:4294967311"] == "mid_market"


def test_reimport_changes_nothing(sqlite_engine: sa.Engine) -> None:
    run_import(sqlite_engine, "zendesk", SAMPLE)
    before = table_counts(sqlite_engine)
    again = run_import(sqlite_engine, "zendesk", SAMPLE)
    assert (again.created, again.updated) == (0, 0) and again.skipped > 0
    assert table_counts(sqlite_engine) == before


def test_changed_ticket_is_an_update(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    first, second = tmp_path / "t1.json", tmp_path / "t2.json"
    first.write_text(json.dumps({"ticket": TICKET}))
    second.write_text(json.dumps({"ticket": TICKET | {"status": "solved", "updated_at": "2011-05-06T00:00:00Z"}}))
    assert run_import(sqlite_engine, "zendesk", [first]).created == 2  # ticket + placeholder account
    summary = run_import(sqlite_engine, "zendesk", [second])
    assert (summary.created, summary.updated) == (0, 1)


def test_dry_run_writes_nothing(sqlite_engine: sa.Engine) -> None:
    summary = run_import(sqlite_engine, "zendesk", SAMPLE, dry_run=True)
    assert summary.created == 20 and not summary.written
    assert table_counts(sqlite_engine)["events"] == 0


@pytest.mark.parametrize(("text", "where"), [
    ('{"tickets": [{"id": 1, "subject": "x"', "1:"),          # truncated
    ('{"tickets": [}', "1:"),                                  # malformed
    ("", "(file)"),                                            # empty
])
def test_malformed_files_refuse_the_whole_batch(sqlite_engine: sa.Engine, tmp_path: Path, text: str,
                                                where: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(IngestError) as refused:
        run_import(sqlite_engine, "zendesk", [*SAMPLE, bad])
    assert str(bad) in str(refused.value) and where in str(refused.value)
    assert table_counts(sqlite_engine)["events"] == 0


def test_mapping_error_names_file_and_json_pointer(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    bad = tmp_path / "tickets.json"
    bad.write_text(json.dumps({"tickets": [TICKET, TICKET | {"id": 2, "status": "archived"}]}))
    with pytest.raises(IngestError) as refused:
        run_import(sqlite_engine, "zendesk", [bad])
    assert f"{bad}: /tickets/1/status: unknown Zendesk status 'archived'" in str(refused.value)


def test_comments_need_their_ticket_in_the_file_name(tmp_path: Path) -> None:
    mapping = zendesk.map_documents([("comments.json", {"comments": [{"id": 1, "body": "hi", "public": True,
                                                                        "created_at": "2026-01-01T00:00:00Z"}]})])
    assert "name the file after it" in str(mapping.problems[0])


def test_audit_sla_target_change_with_object_value_is_tolerated() -> None:
    audit = {"audits": [{"id": 5, "ticket_id": 9, "created_at": "2026-01-01T00:00:00Z", "author_id": 1, "events": [
        {"id": 51, "type": "Create", "field_name": "status", "value": "open"},
        {"id": 52, "type": "SlaTargetChange", "field_name": "first_reply_time",
         "value": {"minutes": 60, "in_business_hours": False}, "previous_value": None},
        {"id": 53, "type": "Change", "field_name": "sla_policy", "value": {"title": "Gold"}, "previous_value": {}},
    ]}]}
    events = _events(audit)
    assert [e.type for e in events].count("ticket.upserted") == 1
