"""Risk reviews decided by a person: confirm opens the account's case, dismiss records a false positive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.models import MeasurementEvent, MeasurementKind
from core.store.detection import latest_assessment
from core.store.ledger import audit, record_measurement
from core.store.reviews import RiskReview, attach_case, decide_review, get_review

if TYPE_CHECKING:
    from product.root import Product


def confirm_review(product: Product, review_id: str, actor: str) -> RiskReview:
    """Open (or find) the account's case from its latest assessment and run it to its first approval.

    Raises ReviewNotFound, or ReviewConflict when the review was decided already (nothing opens then).
    """
    review = get_review(product.engine, review_id)
    assessment = latest_assessment(product.engine, review.account_id)
    if assessment is None:  # a review always points at a recorded assessment
        raise LookupError(f"account {review.account_id} has no assessment")
    now = product.clock()
    decided = decide_review(product.engine, review_id, "confirmed", actor, now)
    case_id, _ = product.cases.start_case(assessment, actor=actor)
    attach_case(product.engine, review_id, case_id)
    audit(product.engine, now, actor, "risk_review.confirm", f"review:{review_id}", "ok", {"case_id": case_id})
    return get_review(product.engine, decided.id)


def dismiss_review(product: Product, review_id: str, actor: str, reason: str = "") -> RiskReview:
    """Close the review as a false positive and measure it (the false-positive rate counts it)."""
    now = product.clock()
    review = decide_review(product.engine, review_id, "dismissed", actor, now)
    record_measurement(product.engine, MeasurementEvent(
        kind=MeasurementKind.false_positive, account_id=review.account_id, at=now,
        detail={"risk_review": review_id, "score": review.score, "reason": reason[:500]}),
        idem_key=f"false_positive:review:{review_id}")
    audit(product.engine, now, actor, "risk_review.dismiss", f"review:{review_id}", "ok", {"reason": reason[:500]})
    return review
