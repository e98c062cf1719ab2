"""Audit log, measurement events and the outbox: append-only records of what happened and what left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.models import MeasurementEvent


def audit(engine: sa.Engine, at: datetime, actor: str, action: str, target: str, outcome: str,
          detail: dict[str, Any] | None = None) -> None:
    """Record who tried what on which object and how it ended (including refusals)."""
    with engine.begin() as c:
        c.execute(t.audit_log.insert().values(at=at, actor=actor, action=action, target=target, outcome=outcome,
                                              detail=detail or {}))


def read_audit(engine: sa.Engine, target: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(t.audit_log).order_by(t.audit_log.c.id)
    if target:
        query = query.where(t.audit_log.c.target == target)
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(query)]


def record_measurement(engine: sa.Engine, event: MeasurementEvent, idem_key: str | None = None) -> bool:
    """Append a measurement event once per idem_key."""
    with engine.begin() as c:
        if idem_key and c.execute(sa.select(t.measurement_events.c.id)
                                  .where(t.measurement_events.c.idem_key == idem_key)).scalar():
            return False
        try:
            c.execute(t.measurement_events.insert().values(
                kind=event.kind.value, account_id=event.account_id, escalation_id=event.escalation_id, at=event.at,
                detail=event.detail, idem_key=idem_key))
        except sa.exc.IntegrityError:
            return False
    return True


def read_measurements(engine: sa.Engine) -> list[MeasurementEvent]:
    with engine.connect() as c:
        rows = c.execute(sa.select(t.measurement_events).order_by(t.measurement_events.c.id)).all()
    return [MeasurementEvent(kind=r.kind, account_id=r.account_id, escalation_id=r.escalation_id, at=r.at,
                             detail=r.detail) for r in rows]


def enqueue_outbound(engine: sa.Engine, idem_key: str, kind: str, payload: dict[str, Any], at: datetime,
                     case_id: str | None = None) -> bool:
    """Queue a message to leave the system exactly once per key; returns whether it was new."""
    with engine.begin() as c:
        if c.execute(sa.select(t.outbox.c.id).where(t.outbox.c.idem_key == idem_key)).scalar():
            return False
        try:
            c.execute(t.outbox.insert().values(idem_key=idem_key, kind=kind, escalation_id=case_id,
                                               payload=payload, created_at=at, attempts=0))
        except sa.exc.IntegrityError:
            return False
    return True


def read_outbox(engine: sa.Engine, kind: str | None = None, unsent_only: bool = False) -> list[dict[str, Any]]:
    query = sa.select(t.outbox).order_by(t.outbox.c.id)
    if kind:
        query = query.where(t.outbox.c.kind == kind)
    if unsent_only:
        query = query.where(t.outbox.c.sent_at.is_(None))
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(query)]


def mark_sent(engine: sa.Engine, outbox_id: int, at: datetime) -> bool:
    """Mark delivered once (a second worker finding it sent does nothing)."""
    with engine.begin() as c:
        return c.execute(t.outbox.update().where(t.outbox.c.id == outbox_id, t.outbox.c.sent_at.is_(None))
                         .values(sent_at=at, attempts=t.outbox.c.attempts + 1)).rowcount == 1


def count_attempt(engine: sa.Engine, outbox_id: int) -> int:
    """One more delivery attempt on an outbox row; returns the new count."""
    with engine.begin() as c:
        c.execute(t.outbox.update().where(t.outbox.c.id == outbox_id).values(attempts=t.outbox.c.attempts + 1))
        return int(c.execute(sa.select(t.outbox.c.attempts).where(t.outbox.c.id == outbox_id)).scalar_one())
