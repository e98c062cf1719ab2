"""The database itself refuses to rewrite history (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from core.db import schema as t

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _timeline_row(engine: sa.Engine) -> int:
    with engine.begin() as c:
        return c.execute(t.timeline.insert().values(escalation_id="esc-1", at=NOW, kind="opened",
                                                    actor="system:test", payload={})).inserted_primary_key[0]


def test_timeline_update_is_refused_by_the_database(engine: sa.Engine) -> None:
    row_id = _timeline_row(engine)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as c:
        c.execute(t.timeline.update().where(t.timeline.c.id == row_id).values(kind="edited"))
    with engine.connect() as c:
        assert c.execute(sa.select(t.timeline.c.kind)).scalar_one() == "opened"


def test_timeline_delete_is_refused_by_the_database(engine: sa.Engine) -> None:
    _timeline_row(engine)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as c:
        c.execute(t.timeline.delete())
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.timeline)).scalar_one() == 1


@pytest.mark.parametrize("table", ["assessments", "events", "audit_log", "measurement_events"])
def test_other_append_only_tables_refuse_delete(engine: sa.Engine, table: str) -> None:
    rows = {
        "assessments": dict(account_id="a", score=1.0, band="green", confidence=1.0, needs_review=False,
                            ruleset_version="v", assessed_at=NOW, body={}),
        "events": dict(event_id="e1", type="account.upserted", occurred_at=NOW, received_at=NOW, payload={}),
        "audit_log": dict(at=NOW, actor="x", action="y", target="z", outcome="ok", detail={}),
        "measurement_events": dict(kind="reviewed", account_id="a", at=NOW, detail={}),
    }
    tbl = t.metadata.tables[table]
    with engine.begin() as c:
        c.execute(tbl.insert().values(**rows[table]))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as c:
        c.execute(tbl.delete())


def _escalation(engine: sa.Engine) -> None:
    with engine.begin() as c:
        c.execute(t.escalations.insert().values(id="esc-1", account_id="a", thread_id="th-1", opened_at=NOW,
                                                phase="detect", sla_due={}, updated_at=NOW))


def test_escalation_opened_at_is_set_once(engine: sa.Engine) -> None:
    _escalation(engine)
    with pytest.raises(sa.exc.DBAPIError, match="opened_at"), engine.begin() as c:
        c.execute(t.escalations.update().values(opened_at=datetime(2026, 1, 1, tzinfo=UTC)))


def test_escalation_closed_at_is_set_once_but_other_fields_move(engine: sa.Engine) -> None:
    _escalation(engine)
    with engine.begin() as c:
        c.execute(t.escalations.update().values(phase="triage", closed_at=NOW))
    with pytest.raises(sa.exc.DBAPIError, match="closed_at"), engine.begin() as c:
        c.execute(t.escalations.update().values(closed_at=datetime(2027, 1, 1, tzinfo=UTC)))
    with pytest.raises(sa.exc.DBAPIError, match="never deleted"), engine.begin() as c:
        c.execute(t.escalations.delete())
    with engine.connect() as c:
        assert c.execute(sa.select(t.escalations.c.phase)).scalar_one() == "triage"
