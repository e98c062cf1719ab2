"""The approval inbox over HTTP: list, read, decide. The actor is the authenticated caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api import inbox
from api.auth import CurrentPrincipal
from api.deps import EngineDep
from api.permissions import redact_approval
from api.responses import JSONBody
from core.models import DecisionType, Role

router = APIRouter(prefix="/approvals", tags=["approvals"])
MAX_AGE_S = 100 * 365 * 24 * 3600  # a bound the date arithmetic can always hold
MAX_PAGE = 1000
MAX_OFFSET = 1_000_000


class DecisionCreate(BaseModel):
    """A decision as submitted; there is no actor field: the actor is whoever authenticated."""

    model_config = ConfigDict(extra="forbid")
    type: DecisionType
    edited_payload: dict[str, Any] | None = None
    comment: str | None = Field(default=None, max_length=20_000)


@router.get("", response_model=list[dict[str, Any]], responses={401: {}})
def list_approvals(engine: EngineDep, principal: CurrentPrincipal,
                   status: Annotated[str | None, Query(pattern="^(pending|decided|applied|failed)$")] = "pending",
                   role: Role | None = None, owner: str | None = None, case_id: str | None = None,
                   min_age_s: Annotated[int | None, Query(ge=0, le=MAX_AGE_S)] = None, mine: bool = False,
                   limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE)] = None,
                   offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> JSONBody:
    """Approvals the caller may read, oldest first, filtered by status, assigned role, owner (assignee),
    case and minimum age. `failed`: decisions the workflow could not apply (each with its error), to be
    decided again. `limit`/`offset` page through them (without `limit`: all of them)."""
    records = inbox.list_visible(engine, principal, status=status, role=role.value if role else None, owner=owner,
                                 case_id=case_id, min_age_s=min_age_s, mine=mine, limit=limit, offset=offset)
    return JSONBody([redact_approval(principal, r) for r in records])


@router.get("/{approval_id}", response_model=dict[str, Any], responses={401: {}, 403: {}, 404: {}})
def read_approval(approval_id: str, engine: EngineDep, principal: CurrentPrincipal) -> JSONBody:
    """One approval with the evidence its proposal cites."""
    return JSONBody(inbox.read_approval_view(engine, principal, approval_id))


@router.post("/{approval_id}/decision", response_model=dict[str, Any], responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}, 503: {}})
def decide(approval_id: str, body: DecisionCreate, request: Request, engine: EngineDep,
           principal: CurrentPrincipal) -> JSONBody:
    """Approve, edit, reject or respond. 409 if no longer pending (a double submit applies once); 422 with
    each field's path if the decision breaks the approval kind's edit contract (nothing is recorded);
    503 if the workflow could not apply it (the approval is marked failed and may be decided again)."""
    record = inbox.decide(engine, request.app.state.product.cases, principal, approval_id,
                          type=body.type, edited_payload=body.edited_payload, comment=body.comment)
    return JSONBody(redact_approval(principal, record))
