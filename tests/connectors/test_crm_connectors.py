"""Salesforce, HubSpot and Intercom: documented shapes, CSV variants, references and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors import hubspot, intercom, salesforce
from connectors.importer import run_import
from core.db import schema as t
from core.db import table_counts
from core.ingest import IngestError
from tests.connectors.conftest import FIXTURES

SF = FIXTURES / "salesforce"


def _tickets(mapping) -> dict:  # type: ignore[no-untyped-def]
    assert not mapping.problems, [str(p) for p in mapping.problems]
    return {e.event.payload.id: e.event.payload for e in mapping.emitted if e.event.type == "ticket.upserted"}


def test_salesforce_query_response_fields_land_where_detection_uses_them() -> None:
    cases = _tickets(salesforce.map_files([SF / "query_cases.json"]))
    escalated = cases["salesforce:case:5005g00000AbCdEAAV"]
    assert (escalated.priority, escalated.status, escalated.is_escalated) == ("p2", "open", True)
    closed = cases["salesforce:case:5005g00000AbCeFAAV"]
    assert closed.status == "closed" and closed.solved_at is not None


def test_salesforce_account_revenue_and_type() -> None:
    mapping = salesforce.map_files([SF / "query_accounts.json", SF / "tree_accounts_cases.json"])
    accounts = {e.event.payload.id: e.event.payload for e in mapping.emitted if e.event.type == "account.upserted"}
    assert accounts["salesforce:account:0015g00000NWLxAAAT"].tier == "enterprise"  # 420k by thresholds
    assert accounts["salesforce:account:ref-AccountRef1"].tier == "enterprise"  # Type names the tier


def test_salesforce_tree_import_resolves_ref_links() -> None:
    mapping = salesforce.map_files([SF / "tree_accounts_cases.json", SF / "tree_casecomments.json"])
    case = _tickets(mapping)["salesforce:case:ref-CaseRef1"]
    assert case.account_id == "salesforce:account:ref-AccountRef1"
    comment = next(e.event.payload for e in mapping.emitted if e.event.payload.id.startswith("salesforce:casecomment"))
    assert comment.ticket_id == "salesforce:case:ref-CaseRef1" and comment.author_side == "internal"


def test_salesforce_unresolved_ref_is_a_precise_error() -> None:
    mapping = salesforce.map_files([SF / "tree_casecomments.json"])
    assert "/records/0/parentid: unresolved reference '@CaseRef1'" in str(mapping.problems[0])


@pytest.mark.parametrize("name", ["cases_crlf.csv", "cases_lower_nofinalnewline.csv"])
def test_salesforce_csv_any_case_any_line_ending(name: str) -> None:
    cases = _tickets(salesforce.map_files([SF / name]))
    assert cases["salesforce:case:5005g00000CsV1AAA"].status == "on_hold"
    assert cases["salesforce:case:5005g00000CsV1AAA"].is_escalated
    assert cases["salesforce:case:5005g00000CsV1AAA"].subject == "Billing, invoices missing"


def test_salesforce_truncated_csv_reports_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "cases.csv"
    bad.write_text((SF / "cases_crlf.csv").read_text().rsplit(",", 3)[0])
    mapping = salesforce.map_files([bad])
    assert f"{bad}:3: (row)" in str(mapping.problems[0])


def test_salesforce_unknown_status_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "Case.csv"
    bad.write_text("ID,STATUS,CREATEDDATE\n500x,Frozen,2026-01-01T00:00:00Z\n")
    assert "line 2/Status: unknown Case Status 'Frozen'" in str(salesforce.map_files([bad]).problems[0])


def test_hubspot_crm_v3_objects() -> None:
    mapping = hubspot.map_files(sorted((FIXTURES / "hubspot").glob("*.json")))
    ticket = _tickets(mapping)["hubspot:ticket:512"]
    assert (ticket.priority, ticket.status, ticket.is_escalated) == ("p2", "open", True)
    assert ticket.account_id == "hubspot:company:7001" and ticket.contact_id == "hubspot:contact:801"
    company = next(e.event.payload for e in mapping.emitted if e.event.type == "account.upserted")
    assert company.tier == "strategic"


def test_intercom_conversation_with_parts() -> None:
    mapping = intercom.map_files(sorted((FIXTURES / "intercom").glob("*.json")))
    conversation = _tickets(mapping)["intercom:conversation:1295"]
    assert conversation.account_id == "intercom:company:6657a2" and conversation.priority == "p2"
    sides = [e.event.payload.author_side for e in mapping.emitted if e.event.type == "message.created"]
    assert sides == ["customer", "agent", "internal"]
    texts = [e.event.payload.text for e in mapping.emitted if e.event.type == "message.created"]
    assert texts[0] == "Hi, our dashboard & reports are blank since the update."
    csat = next(e.event.payload for e in mapping.emitted if e.event.type == "csat.recorded")
    assert csat.score == 2


@pytest.mark.parametrize("vendor", ["salesforce", "hubspot", "intercom"])
def test_reimport_is_idempotent(sqlite_engine: sa.Engine, vendor: str) -> None:
    paths = sorted((FIXTURES / vendor).iterdir())
    first = run_import(sqlite_engine, vendor, paths)
    before = table_counts(sqlite_engine)
    again = run_import(sqlite_engine, vendor, paths)
    assert first.created > 0 and (again.created, again.updated) == (0, 0)
    assert table_counts(sqlite_engine) == before


@pytest.mark.parametrize("vendor", ["salesforce", "hubspot", "intercom"])
def test_truncated_json_writes_nothing(sqlite_engine: sa.Engine, tmp_path: Path, vendor: str) -> None:
    good = sorted((FIXTURES / vendor).glob("*.json"))
    bad = tmp_path / "cut.json"
    bad.write_text(good[0].read_text()[:200])
    with pytest.raises(IngestError, match="file looks truncated|malformed JSON"):
        run_import(sqlite_engine, vendor, [*good, bad])
    with sqlite_engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(t.events)) == 0
