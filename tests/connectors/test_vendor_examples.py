"""Every documented vendor example in fixtures/vendor_examples imports, or is refused for a stated reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.importer import ImportSummary, run_import
from core.ingest import IngestError

EXAMPLES = Path(__file__).parent / "fixtures" / "vendor_examples"

# (vendor, file, outcome, text the summary or refusal must contain, outcome with --strict)
CASES = [
    ("zendesk", "incremental_tickets_time.json", "imports", "ticket.upserted zendesk:ticket:35436", "imports"),
    ("zendesk", "incremental_tickets_cursor.json", "imports", "ticket.upserted zendesk:ticket:35436", "imports"),
    ("zendesk", "incremental_organizations.json", "imports", "account.upserted zendesk:org:4112492", "imports"),
    ("zendesk", "incremental_ticket_events_reference.json", "imports", "metric event 'measure'", "imports"),
    ("zendesk", "incremental_users_time.json", "imports", "is staff (agent)", "imports"),
    ("zendesk", "incremental_users_cursor.json", "imports", "is staff (agent)", "imports"),
    ("zendesk", "ticket_events_with_comment_events.json", "imports", "message.created", "imports"),
    ("zendesk", "ticket_comments_list.json", "refused", "does not name its ticket: pass --ticket-id", "refused"),
    ("zendesk", "ticket_audits_list.json", "imports", "Notification event", "imports"),
    ("zendesk", "update_ticket_response.json", "imports", "audit without id: id made from its content", "refused"),
    ("zendesk", "ticket_metric_events.json", "imports", "metric event 'activate'", "imports"),
    ("zendesk", "satisfaction_ratings_list.json", "imports", "csat.recorded", "imports"),
    ("zendesk", "create_user_response.json", "imports", "user 9873843 without updated_at: dated at import time",
     "refused"),
    ("zendesk", "show_ticket_bare_object.json", "refused", "not a recognised Zendesk API response", "refused"),
    ("salesforce", "query_accounts_name_only.json", "imports", "salesforce:account:001D000000IRFmaIAH", "imports"),
    ("salesforce", "query_contacts_next_records.json", "imports", "salesforce:contact:003RO0000035WQgYAM", "imports"),
    ("salesforce", "sobject_case_without_created_date.json", "imports", "Case without CreatedDate: dated at import",
     "refused"),
    ("salesforce", "accounts_seed_without_id.csv", "imports", "Account without Id: id made from its content",
     "refused"),
    ("salesforce", "query_opportunities.json", "refused", "got 'Opportunity'", "refused"),
]


def _describe(summary: ImportSummary) -> str:
    planned = [f"{p.emitted.event.type} {p.emitted.event.payload.id}" for p in summary.planned]  # type: ignore[attr-defined]
    return "\n".join([summary.line(), *planned, *summary.skip_reasons, *summary.fallbacks])


def outcome(engine: sa.Engine, vendor: str, name: str, strict: bool = False,
            ticket_id: str | None = None) -> tuple[str, str]:
    try:
        summary = run_import(engine, vendor, [EXAMPLES / vendor / name], dry_run=True, strict=strict,
                             ticket_id=ticket_id)
    except IngestError as exc:
        return "refused", "\n".join(str(p) for p in exc.problems)
    return "imports", _describe(summary)


@pytest.mark.parametrize(("vendor", "name", "expected", "detail", "strict"), CASES, ids=[c[1] for c in CASES])
def test_documented_example(sqlite_engine: sa.Engine, vendor: str, name: str, expected: str, detail: str,
                            strict: str) -> None:
    found, text = outcome(sqlite_engine, vendor, name)
    assert found == expected, text
    assert detail in text
    assert outcome(sqlite_engine, vendor, name, strict=True)[0] == strict


def test_refusals_are_one_line_per_record(sqlite_engine: sa.Engine) -> None:
    found, text = outcome(sqlite_engine, "zendesk", "update_ticket_response.json", strict=True)
    assert found == "refused"
    assert all(line.startswith(str(EXAMPLES)) for line in text.splitlines())
    assert "/ticket: ticket 35436 has no updated_at or created_at" in text


def test_comment_list_imports_with_its_ticket_id(sqlite_engine: sa.Engine) -> None:
    found, text = outcome(sqlite_engine, "zendesk", "ticket_comments_list.json", ticket_id="35436")
    assert found == "imports" and "message.created zendesk:comment:1274" in text


def test_update_response_audit_belongs_to_the_response_ticket(sqlite_engine: sa.Engine) -> None:
    found, text = outcome(sqlite_engine, "zendesk", "update_ticket_response.json")
    assert found == "imports", text
    assert "ticket.upserted zendesk:ticket:35436" in text and "message.created zendesk:comment:206091192547" in text


def test_an_audit_with_no_ticket_anywhere_is_refused_with_the_way_out(sqlite_engine: sa.Engine,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "audit.json"
    path.write_text('{"audit": {"id": 1, "created_at": "2026-10-01T08:00:00Z", "events": []}}')
    with pytest.raises(IngestError, match="needs its ticket: the response's ticket or --ticket-id"):
        run_import(sqlite_engine, "zendesk", [path])
    assert run_import(sqlite_engine, "zendesk", [path], ticket_id="7").written
