"""Detection over the store: read new events from the log, update persisted windows, assess, record.

The event log is read from a cursor `(received_at, event_id)`, so each run folds in only what arrived
since the last one; windows are persisted per account, so no run rescans history. Assessments are
appended (the table is append-only) when they differ from the account's latest one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.events import EVENT_ADAPTER
from core.models import RiskAssessment
from core.settings import Settings
from core.store.dialect import upsert
from rules.detector import Detector, RulesPort
from rules.risk_model import load_risk_model
from rules.signals.ports import SentimentPort
from rules.signals.window import AccountWindow
from rules.thresholds import Thresholds, thresholds_from_settings

CURSOR = "detection"
CHUNK = 20_000


def thresholds_hash(th: Thresholds, reader_version: str = "") -> str:
    """Windows built under other thresholds, or read by another sentiment reader, are rebuilt, not reused."""
    return hashlib.sha256(f"{th.model_dump_json()}\0{reader_version}".encode()).hexdigest()[:16]


def reader_version(sentiment: SentimentPort) -> str:
    """The sentiment reader's version (every reader of agent/sentiment has one)."""
    return str(getattr(sentiment, "version", None) or type(sentiment).__name__)


def default_ruleset(settings: Settings) -> RulesPort:
    """The shipped (or configured) rule set on the durable-rules engine, built once per process.

    A rule set that fails validation raises (RuleValidationError): a broken rule file must stop start-up.
    """
    from rules.engine import engine_for

    return engine_for(str(settings.rules_dir) if settings.rules_dir else None,
                      str(settings.thresholds_file) if settings.thresholds_file else None)


def _new_events(connection: sa.Connection, after: tuple[datetime, str] | None) -> Iterator[list[Any]]:
    """Events after the cursor, in arrival order, validated, in chunks."""
    query = sa.select(t.events).order_by(t.events.c.received_at, t.events.c.event_id)
    if after is not None:
        at, event_id = after
        query = query.where(sa.or_(t.events.c.received_at > at,
                                   sa.and_(t.events.c.received_at == at, t.events.c.event_id > event_id)))
    rows = connection.execute(query.execution_options(yield_per=CHUNK))
    for part in rows.partitions(CHUNK):
        yield [(r.received_at, r.event_id, EVENT_ADAPTER.validate_python(
            {"event_id": r.event_id, "type": r.type, "occurred_at": r.occurred_at, "source": r.source,
             "payload": r.payload})) for r in part]


def _load(connection: sa.Connection, detector: Detector, digest: str) -> tuple[datetime, str] | None:
    cursor = connection.execute(sa.select(t.detection_cursors).where(t.detection_cursors.c.name == CURSOR)).first()
    if cursor is None or cursor.thresholds_hash != digest:
        return None  # first run or new thresholds: rebuild every window from the log
    for row in connection.execute(sa.select(t.signal_windows.c.state).where(
            t.signal_windows.c.thresholds_hash == digest)):
        window = AccountWindow.from_dict(row.state, detector.th)
        detector.windows[window.account_id] = window
    return cursor.received_at, cursor.event_id


def _save(connection: sa.Connection, detector: Detector, touched: set[str], digest: str,
          last: tuple[datetime, str] | None) -> None:
    now = datetime.now(UTC)
    rows = []
    for account_id in sorted(touched):
        w = detector.windows[account_id]
        rows.append({"account_id": account_id, "state": w.to_dict(), "events": w.events,
                     "watermark": datetime.fromtimestamp(w.watermark, UTC) if w.watermark else None,
                     "thresholds_hash": digest, "updated_at": now})
    upsert(connection, t.signal_windows, rows, "account_id")
    if last is not None:
        upsert(connection, t.detection_cursors, [{"name": CURSOR, "received_at": last[0], "event_id": last[1],
                                                   "thresholds_hash": digest, "updated_at": now}], "name")


def _latest_by_account(connection: sa.Connection) -> dict[str, RiskAssessment]:
    newest = sa.select(sa.func.max(t.assessments.c.id)).group_by(t.assessments.c.account_id).scalar_subquery()
    rows = connection.execute(sa.select(t.assessments.c.body).where(t.assessments.c.id.in_(newest)))
    return {a.account_id: a for a in (RiskAssessment.model_validate(r.body) for r in rows)}


def _same(a: RiskAssessment, b: RiskAssessment | None) -> bool:
    if b is None:
        return False
    key = lambda x: (round(x.score, 3), x.band, x.needs_review, x.ruleset_version, sorted(x.triggered_rules),  # noqa: E731
                     sorted((s.kind, round(s.value, 3)) for s in x.signals))
    return key(a) == key(b)


def update_windows(connection: sa.Connection, detector: Detector, digest: str) -> int:
    """Fold every event that arrived since the cursor into the windows; returns the number of events read."""
    after = _load(connection, detector, digest)
    touched: set[str] = set()
    last, read = after, 0
    for chunk in _new_events(connection, after):
        touched |= detector.process(e for _, _, e in chunk)
        last = max(last, chunk[-1][:2]) if last else chunk[-1][:2]
        read += len(chunk)
    _save(connection, detector, touched, digest, last)
    return read


def assess_all(engine: sa.Engine, settings: Settings, now: datetime | None = None, *,
               sentiment: SentimentPort | None = None, ruleset: RulesPort | None = None,
               account_id: str | None = None, persist: bool = True) -> list[RiskAssessment]:
    """Bring every account's window up to date and assess it as of `now`.

    `now` defaults to the time of the newest event in the store ("as of the data"), so replayed or
    sample histories are judged at their own end. Pass `sentiment` (agent's model) and `ruleset`
    (rules engine) from the caller; without them a lexicon and signals-only scoring are used.
    """
    th = thresholds_from_settings(settings)
    detector = Detector(th, sentiment, ruleset if ruleset is not None else default_ruleset(settings),
                        settings.review_confidence_floor, risk_model=load_risk_model(settings.risk_model_file))
    digest = thresholds_hash(th, reader_version(detector.sentiment))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727275)")  # one detector run at a time
        update_windows(connection, detector, digest)
        when = now or detector.latest_time() or datetime.now(UTC)
        priors = _latest_by_account(connection)
        results = []
        for acc in sorted(detector.windows):
            if account_id and acc != account_id:
                continue
            assessment = detector.assess(acc, when, priors.get(acc))
            results.append(assessment)
            if persist and not _same(assessment, priors.get(acc)):
                connection.execute(sa.insert(t.assessments).values(**_row(assessment)))
    return results


def _row(a: RiskAssessment) -> dict[str, Any]:
    return {"account_id": a.account_id, "score": a.score, "band": a.band.value, "confidence": a.confidence,
            "needs_review": a.needs_review, "ruleset_version": a.ruleset_version[:64], "assessed_at": a.assessed_at,
            "body": a.model_dump(mode="json")}


def latest_assessment(engine: sa.Engine, account_id: str) -> RiskAssessment | None:
    """The account's most recent recorded assessment."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(t.assessments.c.body).where(t.assessments.c.account_id == account_id)
                                 .order_by(t.assessments.c.id.desc()).limit(1)).first()
    return RiskAssessment.model_validate(row.body) if row else None


def risk_history(engine: sa.Engine, account_id: str, limit: int = 200) -> list[RiskAssessment]:
    """The account's recorded assessments, oldest first (at most `limit`, the newest ones)."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(t.assessments.c.body).where(t.assessments.c.account_id == account_id)
                                  .order_by(t.assessments.c.id.desc()).limit(limit)).all()
    return [RiskAssessment.model_validate(r.body) for r in reversed(rows)]


def review_queue(assessments: list[RiskAssessment]) -> list[RiskAssessment]:
    """Assessments a person must look at before anything opens: low confidence or a review rule fired."""
    return [a for a in assessments if a.needs_review]
