"""Upgrading from the first released schema (0001) with data in it: everything kept, guards still enforced."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from core.db import create_db_engine, migrate, table_counts
from core.db.engine import current_revision, head_revision
from core.db.schema import APPEND_ONLY_TABLES
from core.ingest import ingest_objects
from tests.utils.events import account, message

AT = datetime(2026, 1, 5, 9, tzinfo=UTC)
ROWS = {
    "accounts": [{"id": "acc-1", "name": "Northwind", "arr": 250000.0, "tier": "enterprise", "lifecycle_stage": "active",
                  "renewal_date": None, "csm": "Dana", "ae": None, "legal_notes": "hold", "contract_terms": None,
                  "updated_at": AT, "event_id": "e-acc-1"}],
    "events": [{"event_id": f"e-{i}", "type": "account.upserted", "occurred_at": AT, "received_at": AT, "source": "v0.1",
                "payload": {"id": "acc-1", "name": "Northwind", "arr": 250000, "tier": "enterprise"}} for i in range(25)],
    "assessments": [{"account_id": "acc-1", "score": 81.5, "band": "red", "confidence": 0.9, "needs_review": False,
                     "ruleset_version": "rs-0001", "assessed_at": AT, "body": {"account_id": "acc-1", "score": 81.5}}],
    "escalations": [{"id": "esc-1", "account_id": "acc-1", "thread_id": "case:esc-1", "opened_at": AT, "closed_at": None,
                     "phase": "triage", "owner": "Priya Raman", "tier": "T2", "outcome": None,
                     "deescalation_reason": None, "sla_due": {}, "assessment_id": None, "updated_at": AT}],
    "timeline": [{"escalation_id": "esc-1", "at": AT, "kind": "opened", "actor": "system:detect",
                  "payload": {"score": 81.5}, "idem_key": "opened:esc-1"}],
    "audit_log": [{"at": AT, "actor": "Priya Raman", "action": "decide", "target": "approval:apr-1", "outcome": "ok",
                   "detail": {"type": "approve"}}],
    "outbox": [{"idem_key": "notify:opened:esc-1", "kind": "notification", "escalation_id": "esc-1",
                "payload": {"event": "case_opened"}, "created_at": AT, "sent_at": None, "attempts": 0}],
}


def _seed_first_release(engine: sa.Engine) -> dict[str, int]:
    migrate(engine, "0001_initial")
    assert current_revision(engine) == "0001_initial"
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        for name, rows in ROWS.items():
            connection.execute(tables.tables[name].insert(), rows)
    return {name: len(rows) for name, rows in ROWS.items()}


def _dump(engine: sa.Engine, name: str) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT * FROM {name}")).mappings().all()
    return sorted(json.dumps({k: (v if isinstance(v, dict | list) else str(v)) for k, v in r.items()
                              if k != "id" or name not in ("timeline", "audit_log", "assessments", "outbox")},
                             sort_keys=True, default=str) for r in rows)


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_upgrade_from_0001_keeps_data_and_guards(dialect: str, request: pytest.FixtureRequest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'old.db'}" if dialect == "sqlite" else request.getfixturevalue("pg_url")
    engine = create_db_engine(url)
    try:
        seeded = _seed_first_release(engine)
        before = {name: _dump(engine, name) for name in ROWS}
        migrate(engine)
        assert current_revision(engine) == head_revision()
        after = {name: _dump(engine, name) for name in ROWS}
        assert after == before  # every row and value survives the upgrade
        counts = table_counts(engine)
        assert {name: counts[name] for name in seeded} == seeded
        for table in APPEND_ONLY_TABLES:
            if table not in ROWS:
                continue
            for statement in (f"UPDATE {table} SET {'actor' if table in ('timeline', 'audit_log') else 'source' if table == 'events' else 'band'} = 'x'",
                              f"DELETE FROM {table}"):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
                    connection.execute(sa.text(statement))
        with pytest.raises(sa.exc.DBAPIError, match="never deleted"), engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM escalations"))
        with pytest.raises(sa.exc.DBAPIError, match="opened_at"), engine.begin() as connection:
            connection.execute(sa.text("UPDATE escalations SET opened_at = updated_at + interval '1 day'"
                                       if dialect == "postgres" else "UPDATE escalations SET opened_at = '2020-01-01'"))
        # The upgraded store works for today's code: new events ingest next to the old ones.
        summary = ingest_objects(engine, [account("e-new", "acc-1"), message("e-m-new", "m-new", "Still failing.")])
        assert summary.inserted == 2 and table_counts(engine)["events"] == seeded["events"] + 2
        migrate(engine)  # idempotent at head
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
