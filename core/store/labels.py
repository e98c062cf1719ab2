"""Operator labels with provenance, the material they are derived from, and model evaluations over time.

Labels are what the operator taught the product: a CSAT comment with its good/bad rating, a reviewer's
correction at case close, a closed case confirmed or dismissed. The sentiment reader and the risk
weights are refitted from them (agent/sentiment/refit.py, rules/weights.py); every refit's score on the
held-back labels is recorded in ``model_evaluations`` for the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.store.dialect import upsert_on

SENTIMENT, RISK = "sentiment", "risk"
SENTIMENT_LABELS = ("negative", "neutral", "positive")
RISK_LABELS = ("confirmed", "dismissed")
SOURCES = ("csat", "review", "csv")


@dataclass(frozen=True)
class OperatorLabel:
    """One label and where it came from (``source_ref``: the CSAT id, ``case:<id>:message:<id>``, ...)."""

    kind: str
    label: str
    source: str
    source_ref: str
    actor: str
    text: str | None = None
    account_id: str | None = None
    escalation_id: str | None = None
    note: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        allowed = SENTIMENT_LABELS if self.kind == SENTIMENT else RISK_LABELS if self.kind == RISK else None
        if allowed is None:
            raise ValueError(f"label kind must be {SENTIMENT!r} or {RISK!r}, not {self.kind!r}")
        if self.label not in allowed:
            raise ValueError(f"a {self.kind} label must be one of {allowed}, not {self.label!r}")
        if self.source not in SOURCES:
            raise ValueError(f"label source must be one of {SOURCES}, not {self.source!r}")
        if self.kind == SENTIMENT and not (self.text or "").strip():
            raise ValueError("a sentiment label needs the text it labels")


def record_labels(engine: sa.Engine, labels: Iterable[OperatorLabel]) -> int:
    """Store labels; a label for an existing (kind, source, source_ref) replaces it. Returns how many."""
    now = datetime.now(UTC)
    rows = [{"kind": x.kind, "label": x.label, "text": x.text, "source": x.source, "source_ref": x.source_ref[:300],
             "account_id": x.account_id, "escalation_id": x.escalation_id, "actor": x.actor[:200], "note": x.note,
             "detail": x.detail, "created_at": x.created_at or now} for x in labels]
    if not rows:
        return 0
    with engine.begin() as connection:
        upsert_on(connection, t.operator_labels, rows, ["kind", "source", "source_ref"],
                  ["label", "text", "actor", "note", "detail", "created_at", "account_id", "escalation_id"])
    return len(rows)


def read_labels(engine: sa.Engine, kind: str, sources: Sequence[str] | None = None) -> list[OperatorLabel]:
    """Labels of one kind (optionally only from some sources), oldest first."""
    query = sa.select(t.operator_labels).where(t.operator_labels.c.kind == kind)
    if sources:
        query = query.where(t.operator_labels.c.source.in_(list(sources)))
    with engine.connect() as c:
        rows = c.execute(query.order_by(t.operator_labels.c.id)).all()
    return [OperatorLabel(kind=r.kind, label=r.label, source=r.source, source_ref=r.source_ref, actor=r.actor,
                          text=r.text, account_id=r.account_id, escalation_id=r.escalation_id, note=r.note,
                          detail=dict(r.detail or {}), created_at=r.created_at) for r in rows]


# --- material labels are derived from --------------------------------------------------------------------

@dataclass(frozen=True)
class RatedComment:
    id: str
    account_id: str
    score: int
    comment: str
    created_at: datetime


def has_learning_material(engine: sa.Engine) -> bool:
    """Whether anything a refit learns from exists: an operator label, a CSAT comment or a closed case."""
    c_ = t.csat_responses.c
    probes = [sa.select(t.operator_labels.c.id).limit(1),
              sa.select(c_.id).where(c_.comment.is_not(None), sa.func.length(sa.func.trim(c_.comment)) > 0).limit(1),
              sa.select(t.escalations.c.id).where(t.escalations.c.closed_at.is_not(None)).limit(1)]
    with engine.connect() as c:
        return any(c.execute(q).first() is not None for q in probes)


def rated_comments(engine: sa.Engine) -> list[RatedComment]:
    """CSAT responses that carry a comment (the customer's own words with their own rating)."""
    c_ = t.csat_responses.c
    query = sa.select(c_.id, c_.account_id, c_.score, c_.comment, c_.created_at).where(
        c_.comment.is_not(None), sa.func.length(sa.func.trim(c_.comment)) > 0).order_by(c_.created_at, c_.id)
    with engine.connect() as c:
        return [RatedComment(r.id, r.account_id, r.score, r.comment, r.created_at) for r in c.execute(query)]


@dataclass(frozen=True)
class ClosedCase:
    """A closed Red case with what the reviewers said and the assessment it was opened on."""

    id: str
    account_id: str
    outcome: str | None
    reason: str
    comments: tuple[str, ...]
    closed_at: datetime
    assessment: dict[str, Any] | None


def closed_cases(engine: sa.Engine) -> list[ClosedCase]:
    """Every closed case, its decision comments (timeline) and its opening assessment (or the latest before)."""
    e, tl, a = t.escalations.c, t.timeline.c, t.assessments.c
    with engine.connect() as c:
        cases = c.execute(sa.select(t.escalations).where(e.closed_at.is_not(None)).order_by(e.closed_at)).all()
        out = []
        for row in cases:
            notes = c.execute(sa.select(tl.payload).where(tl.escalation_id == row.id, tl.kind == "decision")
                              .order_by(tl.id)).scalars().all()
            comments = tuple(str(p.get("comment")) for p in notes if isinstance(p, dict) and p.get("comment"))
            query = sa.select(a.body)
            if row.assessment_id is not None:
                query = query.where(a.id == row.assessment_id)
            else:
                query = query.where(a.account_id == row.account_id, a.assessed_at <= row.opened_at) \
                    .order_by(a.id.desc()).limit(1)
            body = c.execute(query).scalar_one_or_none()
            out.append(ClosedCase(row.id, row.account_id, row.outcome, row.deescalation_reason or "", comments,
                                  row.closed_at, dict(body) if body else None))
    return out


def message_texts(engine: sa.Engine, ids: Sequence[str]) -> dict[str, str]:
    """Message id -> text, for the ids that exist."""
    if not ids:
        return {}
    with engine.connect() as c:
        rows = c.execute(sa.select(t.messages.c.id, t.messages.c.text).where(t.messages.c.id.in_(list(ids))))
        return {r.id: r.text for r in rows}


# --- evaluations over time ----------------------------------------------------------------------------------

def record_evaluation(engine: sa.Engine, *, kind: str, version: str, metric: str, value: float | None, n: int,
                      activated: bool, detail: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one evaluation (a reader's or risk weights' score on held-back operator labels)."""
    with engine.begin() as c:
        c.execute(sa.insert(t.model_evaluations).values(
            kind=kind, version=version[:100], at=at or datetime.now(UTC), metric=metric, value=value, n=n,
            activated=activated, detail=detail or {}))


def last_evaluation_at(engine: sa.Engine, kind: str) -> datetime | None:
    """When an evaluation of ``kind`` was last recorded (the scheduled refit's "last run")."""
    m = t.model_evaluations.c
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.max(m.at)).where(m.kind == kind)).scalar()


def evaluations(engine: sa.Engine, kind: str, limit: int = 200) -> list[dict[str, Any]]:
    """The latest ``limit`` evaluations of one kind, oldest first."""
    m = t.model_evaluations.c
    with engine.connect() as c:
        rows = c.execute(sa.select(t.model_evaluations).where(m.kind == kind).order_by(m.id.desc()).limit(limit)).all()
    return [{"at": r.at.isoformat(), "version": r.version, "metric": r.metric, "value": r.value, "n": r.n,
             "activated": r.activated, "detail": r.detail} for r in reversed(rows)]


def closed_outcomes(engine: sa.Engine) -> list[tuple[datetime, str | None]]:
    """(closed_at, outcome) of every closed case, oldest first (false-positive rate over time)."""
    e = t.escalations.c
    with engine.connect() as c:
        return [(r.closed_at, r.outcome) for r in c.execute(
            sa.select(e.closed_at, e.outcome).where(e.closed_at.is_not(None)).order_by(e.closed_at))]
