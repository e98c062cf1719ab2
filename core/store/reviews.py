"""Risk reviews: low-confidence decisions a person confirms (opens the case) or dismisses (a false positive)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from core.db import schema as t
from core.models import RiskAssessment


class ReviewNotFound(LookupError):
    """No risk review with that id."""


class ReviewConflict(RuntimeError):
    """The review was already decided."""


@dataclass(frozen=True)
class RiskReview:
    id: str
    account_id: str
    assessment_id: int
    score: float
    band: str
    confidence: float
    status: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    case_id: str | None


def _review(row: sa.Row) -> RiskReview:
    return RiskReview(**{k: row._mapping[k] for k in RiskReview.__dataclass_fields__})


def open_review(connection: sa.Connection, assessment: RiskAssessment, assessment_id: int, at: datetime) -> bool:
    """Open a review for the account unless one is open (a partial unique index decides); True if opened."""
    savepoint = connection.begin_nested()
    try:
        connection.execute(t.risk_reviews.insert().values(
            id=f"rev-{uuid.uuid4().hex[:12]}", account_id=assessment.account_id, assessment_id=assessment_id,
            score=assessment.score, band=assessment.band.value, confidence=assessment.confidence, status="open",
            created_at=at))
    except sa.exc.IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def get_review(engine: sa.Engine, review_id: str) -> RiskReview:
    with engine.connect() as c:
        row = c.execute(sa.select(t.risk_reviews).where(t.risk_reviews.c.id == review_id)).first()
    if row is None:
        raise ReviewNotFound(review_id)
    return _review(row)


def list_reviews(engine: sa.Engine, status: str | None = "open", limit: int = 200) -> list[RiskReview]:
    query = sa.select(t.risk_reviews).order_by(t.risk_reviews.c.created_at.desc()).limit(limit)
    if status:
        query = query.where(t.risk_reviews.c.status == status)
    with engine.connect() as c:
        return [_review(r) for r in c.execute(query)]


def decide_review(engine: sa.Engine, review_id: str, status: str, actor: str, at: datetime,
                  case_id: str | None = None) -> RiskReview:
    """Move an open review to confirmed/dismissed once; a second decision raises ReviewConflict."""
    if status not in ("confirmed", "dismissed"):
        raise ValueError(f"unknown review decision {status!r}")
    with engine.begin() as c:
        done = c.execute(t.risk_reviews.update().where(t.risk_reviews.c.id == review_id,
                                                        t.risk_reviews.c.status == "open")
                         .values(status=status, decided_at=at, decided_by=actor, case_id=case_id)).rowcount
    review = get_review(engine, review_id)
    if not done:
        raise ReviewConflict(f"risk review {review_id} is already {review.status}")
    return review


def attach_case(engine: sa.Engine, review_id: str, case_id: str) -> None:
    """Record the case a confirmed review opened."""
    with engine.begin() as c:
        c.execute(t.risk_reviews.update().where(t.risk_reviews.c.id == review_id).values(case_id=case_id))
