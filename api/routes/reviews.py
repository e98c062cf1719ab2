"""Risk reviews: low-confidence decisions waiting for a person (confirm opens the case, dismiss is a false positive)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Principal
from api.deps import EngineDep, ProductDep
from api.permissions import require
from core.permissions import Capability
from core.store.reviews import ReviewConflict, ReviewNotFound, RiskReview, list_reviews
from product.reviews import confirm_review, dismiss_review

router = APIRouter(prefix="/risk-reviews", tags=["risk reviews"])


class RiskReviewPublic(BaseModel):
    id: str
    account_id: str
    score: float
    band: str
    confidence: float
    status: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    case_id: str | None


class Dismissal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=2000)


def _public(review: RiskReview) -> RiskReviewPublic:
    return RiskReviewPublic.model_validate(review, from_attributes=True)


@router.get("", response_model=list[RiskReviewPublic], responses={401: {}, 403: {}})
def read_reviews(engine: EngineDep, _: Annotated[Principal, Depends(require(Capability.read_accounts))],
                 status: Annotated[str | None, Query(pattern="^(open|confirmed|dismissed)$")] = "open",
                 ) -> list[RiskReviewPublic]:
    """Risk reviews, newest first (open ones by default)."""
    return [_public(r) for r in list_reviews(engine, status)]


@router.post("/{review_id}/confirm", response_model=RiskReviewPublic, responses={401: {}, 403: {}, 404: {}, 409: {}})
def confirm(review_id: str, product: ProductDep,
            principal: Annotated[Principal, Depends(require(Capability.start_case))]) -> RiskReviewPublic:
    """The account is at risk: open its case (run to its first approval). 409 if already decided."""
    try:
        return _public(confirm_review(product, review_id, principal.actor))
    except ReviewNotFound:
        raise HTTPException(404, f"no risk review {review_id}") from None
    except ReviewConflict as exc:
        raise HTTPException(409, str(exc)) from None


@router.post("/{review_id}/dismiss", response_model=RiskReviewPublic, responses={401: {}, 403: {}, 404: {}, 409: {}})
def dismiss(review_id: str, body: Dismissal, product: ProductDep,
            principal: Annotated[Principal, Depends(require(Capability.start_case))]) -> RiskReviewPublic:
    """Not at risk: close the review as a false positive (measured). 409 if already decided."""
    try:
        return _public(dismiss_review(product, review_id, principal.actor, body.reason))
    except ReviewNotFound:
        raise HTTPException(404, f"no risk review {review_id}") from None
    except ReviewConflict as exc:
        raise HTTPException(409, str(exc)) from None
