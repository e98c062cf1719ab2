"""Live pages: GET /ui/changes (what open pages poll to show new cases) and the inbox's risk-review form."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from api.deps import EngineDep, ProductDep
from api.permissions import refuse
from api.routes.pages import PagePrincipal, check_csrf
from core.permissions import Capability, can
from core.store.changes import fingerprint
from core.store.reviews import ReviewConflict, ReviewNotFound
from product.reviews import confirm_review, dismiss_review

router = APIRouter(prefix="/ui", tags=["pages"], include_in_schema=False)


@router.get("/changes")
def changes(engine: EngineDep, _: PagePrincipal) -> dict[str, int]:
    """Counts that change whenever a case opens or closes, an approval is requested or decided, a review opens."""
    return fingerprint(engine)


@router.post("/risk-reviews/{review_id}/decide")
def decide_review_form(request: Request, review_id: str, principal: PagePrincipal, product: ProductDep,
                       csrf: Annotated[str, Form()], decision: Annotated[str, Form()],
                       reason: Annotated[str, Form()] = "") -> RedirectResponse:
    """Confirm (opens the case) or dismiss (a false positive) a risk review from the inbox."""
    check_csrf(request, csrf)
    if not can(principal.role, Capability.start_case):
        refuse(product.engine, principal, f"call:{Capability.start_case.value}", request.url.path)
    if decision not in ("confirm", "dismiss"):
        raise HTTPException(422, "unknown decision")
    try:
        if decision == "confirm":
            review = confirm_review(product, review_id, principal.actor)
            return RedirectResponse(f"/ui/cases/{review.case_id}?flash={quote('risk confirmed: case opened')}",
                                    status_code=303)
        dismiss_review(product, review_id, principal.actor, reason.strip())
    except ReviewNotFound:
        raise HTTPException(404, f"no risk review {review_id}") from None
    except ReviewConflict as exc:
        return RedirectResponse(f"/ui/inbox?flash={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/ui/inbox?flash={quote('dismissed as a false positive')}", status_code=303)
