"""Detection state in the store: events waiting per account, windows, assessments, the assessment clock.

Ingest marks every new event for its account (`detection_pending`, same transaction as the event);
the detection job folds an account's marked events into its window and deletes the marks in one
transaction, so an event is folded exactly once whatever the number of workers, retries or crashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.db import schema as t
from core.db.locks import lock_key
from core.events import EVENT_ADAPTER
from core.models import RiskAssessment
from core.store.dialect import upsert

CHUNK = 5_000
ASSESSMENT_FIELDS = frozenset(RiskAssessment.model_fields)  # a stored body with all of them is read as is


# The statements the live loop runs for every event and every assessment are built once, with bound
# parameters (building one cost more CPU than running it on an indexed row).
_P = sa.bindparam
_MARK = {"postgresql": postgresql.insert(t.detection_pending).on_conflict_do_nothing(),
         "sqlite": sqlite.insert(t.detection_pending).on_conflict_do_nothing()}
_PENDING_EVENTS = (sa.select(t.events)
                   .join(t.detection_pending, t.detection_pending.c.event_id == t.events.c.event_id)
                   .where(t.detection_pending.c.account_id == _P("account_id"))
                   .order_by(t.events.c.occurred_at, t.events.c.event_id).limit(_P("limit", type_=sa.Integer)))
_CLEAR_PENDING = t.detection_pending.delete().where(t.detection_pending.c.account_id == _P("account_id"),
                                                    t.detection_pending.c.event_id.in_(_P("event_ids", expanding=True)))
_HAS_PENDING = (sa.select(t.detection_pending.c.event_id)
                .where(t.detection_pending.c.account_id == _P("account_id")).limit(1))
_WINDOW = (sa.select(t.signal_windows.c.state, t.signal_windows.c.thresholds_hash)
           .where(t.signal_windows.c.account_id == _P("account_id")))
_LATEST = (sa.select(t.assessments.c.id, t.assessments.c.body).where(t.assessments.c.account_id == _P("account_id"))
           .order_by(t.assessments.c.id.desc()).limit(1))
_NEXT_DUE = (sa.select(t.assessment_schedule.c.next_due_at)
             .where(t.assessment_schedule.c.account_id == _P("account_id")))


def mark_pending(connection: sa.Connection, pairs: Iterable[tuple[str, str]], at: datetime) -> None:
    """Queue (account id, event id) pairs for detection (idempotent)."""
    rows = [{"account_id": a, "event_id": e, "received_at": at} for a, e in pairs]
    statement = _MARK["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    for i in range(0, len(rows), CHUNK):
        connection.execute(statement, rows[i : i + CHUNK])


def lock_account(connection: sa.Connection, account_id: str) -> None:
    """Hold the account for this transaction: one worker folds an account's events at a time.

    PostgreSQL: a transaction-level advisory lock (released at commit, or by the server when the worker
    dies). SQLite is one process: the caller serialises detection in-process.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(f"assess:{account_id}")})


def _event(row: sa.Row) -> Any:
    return EVENT_ADAPTER.validate_python({"event_id": row.event_id, "type": row.type, "occurred_at": row.occurred_at,
                                          "source": row.source, "payload": row.payload})


def pending_events(connection: sa.Connection, account_id: str, limit: int = CHUNK) -> list[Any]:
    """The account's events waiting to be folded, oldest first (validated envelopes)."""
    rows = connection.execute(_PENDING_EVENTS, {"account_id": account_id, "limit": limit}).all()
    return [_event(r) for r in rows]


def all_pending_events(connection: sa.Connection) -> Iterator[tuple[str, list[Any]]]:
    """Every account's waiting events, one account at a time (batch scoring)."""
    accounts = list(connection.scalars(sa.select(t.detection_pending.c.account_id).distinct()
                                       .order_by(t.detection_pending.c.account_id)))
    for account_id in accounts:
        yield account_id, pending_events(connection, account_id, limit=10**9)


def clear_pending(connection: sa.Connection, account_id: str, event_ids: list[str]) -> None:
    for i in range(0, len(event_ids), CHUNK):
        connection.execute(_CLEAR_PENDING, {"account_id": account_id, "event_ids": event_ids[i : i + CHUNK]})


def has_pending(connection: sa.Connection, account_id: str) -> bool:
    return connection.execute(_HAS_PENDING, {"account_id": account_id}).first() is not None


def stalled_accounts(engine: sa.Engine, received_before: datetime, limit: int = 1000) -> list[str]:
    """Accounts with events marked before `received_before` and still not folded (a lost job)."""
    with engine.connect() as c:
        return list(c.scalars(sa.select(t.detection_pending.c.account_id)
                              .where(t.detection_pending.c.received_at < received_before)
                              .group_by(t.detection_pending.c.account_id).limit(limit)))


def pending_accounts(engine: sa.Engine, limit: int = 100_000) -> list[str]:
    """Accounts with events waiting to be folded."""
    with engine.connect() as c:
        return list(c.scalars(sa.select(t.detection_pending.c.account_id).distinct().limit(limit)))


def pending_count(engine: sa.Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(t.detection_pending)).scalar_one())


# ---- windows -----------------------------------------------------------------------------------------

def load_window(connection: sa.Connection, account_id: str) -> tuple[dict[str, Any], str] | None:
    """The account's persisted window state and the thresholds digest it was built under."""
    row = connection.execute(_WINDOW, {"account_id": account_id}).first()
    return (row.state, row.thresholds_hash) if row else None


def load_windows(connection: sa.Connection, digest: str) -> list[dict[str, Any]]:
    """Every window built under `digest` (batch scoring)."""
    return [r.state for r in connection.execute(sa.select(t.signal_windows.c.state)
                                                .where(t.signal_windows.c.thresholds_hash == digest))]


def save_windows(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Rows: account_id, state, events, watermark, thresholds_hash, updated_at."""
    upsert(connection, t.signal_windows, rows, "account_id")


def stale_window_count(engine: sa.Engine, digest: str) -> int:
    """Windows built under other thresholds (they must be rebuilt from the log)."""
    with engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(t.signal_windows)
                             .where(t.signal_windows.c.thresholds_hash != digest)).scalar_one())


def requeue_all_events(engine: sa.Engine, at: datetime) -> int:
    """Forget every window and mark every event again (thresholds changed: rebuild from the log)."""
    with engine.begin() as c:
        c.execute(t.signal_windows.delete())
        count = 0
        rows = c.execute(sa.select(t.events).execution_options(yield_per=CHUNK))
        for part in rows.partitions(CHUNK):
            from core.events import account_of

            mark_pending(c, [(account_of(_event(r)), r.event_id) for r in part], at)
            count += len(part)
    return count


# ---- assessments -------------------------------------------------------------------------------------

def assessment_row(a: RiskAssessment) -> dict[str, Any]:
    return {"account_id": a.account_id, "score": a.score, "band": a.band.value, "confidence": a.confidence,
            "needs_review": a.needs_review, "ruleset_version": a.ruleset_version[:64], "assessed_at": a.assessed_at,
            "body": a.model_dump(mode="json")}


_INSERT_ASSESSMENT = sa.insert(t.assessments)


def record_assessment(connection: sa.Connection, assessment: RiskAssessment) -> int:
    """Append one assessment; returns its id."""
    result = connection.execute(_INSERT_ASSESSMENT, assessment_row(assessment))
    return int(result.inserted_primary_key[0])


def latest_in(connection: sa.Connection, account_id: str) -> tuple[int, RiskAssessment] | None:
    """The account's newest recorded assessment and its id, inside a transaction."""
    row = connection.execute(_LATEST, {"account_id": account_id}).first()
    return (row.id, RiskAssessment.model_validate(row.body)) if row else None


def latest_by_account(connection: sa.Connection) -> dict[str, RiskAssessment]:
    newest = sa.select(sa.func.max(t.assessments.c.id)).group_by(t.assessments.c.account_id).scalar_subquery()
    rows = connection.execute(sa.select(t.assessments.c.body).where(t.assessments.c.id.in_(newest)))
    return {a.account_id: a for a in (RiskAssessment.model_validate(r.body) for r in rows)}


def latest_assessment_json(engine: sa.Engine, account_id: str) -> dict[str, Any] | None:
    """The stored JSON of the account's newest assessment, not re-validated (written from the validated
    model; a body from before a field existed is brought to the current shape)."""
    with engine.connect() as connection:
        body = connection.execute(sa.select(t.assessments.c.body).where(t.assessments.c.account_id == account_id)
                                  .order_by(t.assessments.c.id.desc()).limit(1)).scalar()
    return current_body(body)


def current_body(body: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored assessment body as the current model would dump it (validated only if a field is missing)."""
    if body is None or ASSESSMENT_FIELDS <= body.keys():
        return body
    return RiskAssessment.model_validate(body).model_dump(mode="json")


def latest_assessment(engine: sa.Engine, account_id: str) -> RiskAssessment | None:
    """The account's most recent recorded assessment."""
    with engine.connect() as connection:
        found = latest_in(connection, account_id)
    return found[1] if found else None


def risk_history(engine: sa.Engine, account_id: str, limit: int = 200) -> list[RiskAssessment]:
    """The account's recorded assessments, oldest first (at most `limit`, the newest ones)."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(t.assessments.c.body).where(t.assessments.c.account_id == account_id)
                                  .order_by(t.assessments.c.id.desc()).limit(limit)).all()
    return [RiskAssessment.model_validate(r.body) for r in reversed(rows)]


def assessment_count(engine: sa.Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(t.assessments)).scalar_one())


# ---- the clock ---------------------------------------------------------------------------------------

def set_next_due(connection: sa.Connection, account_id: str, next_due_at: datetime | None, assessed_at: datetime) -> None:
    upsert(connection, t.assessment_schedule, [{"account_id": account_id, "next_due_at": next_due_at,
                                                "assessed_at": assessed_at}], "account_id")


def next_due(connection: sa.Connection, account_id: str) -> datetime | None:
    return connection.execute(_NEXT_DUE, {"account_id": account_id}).scalar()


def due_accounts(engine: sa.Engine, now: datetime, limit: int = 1000) -> list[tuple[str, datetime]]:
    """Accounts whose next time-driven change has come (an index range scan, not a sweep of all accounts)."""
    with engine.connect() as c:
        rows = c.execute(sa.select(t.assessment_schedule.c.account_id, t.assessment_schedule.c.next_due_at)
                         .where(t.assessment_schedule.c.next_due_at <= now)
                         .order_by(t.assessment_schedule.c.next_due_at).limit(limit)).all()
    return [(r.account_id, r.next_due_at) for r in rows]

