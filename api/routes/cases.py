"""Cases: start one for an account, list the caller's, the 360 view, a fresh brief."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from api.auth import CurrentPrincipal, Principal
from api.deps import CasesDep, EngineDep
from api.permissions import require, sees_case
from api.readers import AccountNotFound, get_account
from api.responses import JSONBody
from api.views import case_360, visible_case
from core.permissions import Capability
from core.store.cases import CaseNotFound, list_escalations
from core.store.detection import latest_assessment
from core.store.ledger import audit
from graph import brief as briefs

router = APIRouter(prefix="/cases", tags=["cases"])


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(min_length=1, max_length=128)


class CaseStarted(BaseModel):
    case_id: str


@router.post("", status_code=201, response_model=CaseStarted, responses={401: {}, 403: {}, 404: {}, 409: {}})
def start_case(body: CaseCreate, engine: EngineDep, service: CasesDep,
               principal: Annotated[Principal, Depends(require(Capability.start_case))]) -> CaseStarted:
    """Open a Red case for the account (or return its open one) and run it to its first approval."""
    try:
        get_account(engine, body.account_id)
    except AccountNotFound:
        raise HTTPException(404, f"no account {body.account_id}") from None
    now = datetime.now(UTC)
    assessment = latest_assessment(engine, body.account_id)
    if assessment is None:
        raise HTTPException(409, f"account {body.account_id} has no risk assessment yet (its events are still "
                                 "being assessed)")
    case_id, _ = service.start_case(assessment, principal.actor)
    audit(engine, now, principal.actor, "case.start", case_id, "ok", {"account_id": body.account_id})
    return CaseStarted(case_id=case_id)


@router.get("", responses={401: {}})
def list_cases(engine: EngineDep, principal: CurrentPrincipal, open_only: bool = True) -> list[dict[str, Any]]:
    """The cases the caller may see (see docs/security.md for the rule)."""
    out = []
    for case in list_escalations(engine, open_only=open_only):
        try:
            account = get_account(engine, case.account_id)
        except AccountNotFound:
            account = None
        if sees_case(engine, principal, case, account):
            out.append(case.model_dump(mode="json", exclude={"swarm"}) | {"account_name": account and account.name})
    return out


@router.get("/{case_id}", response_model=dict[str, Any], responses={401: {}, 403: {}, 404: {}})
def read_case(case_id: str, engine: EngineDep, principal: CurrentPrincipal) -> JSONBody:
    """The 360 view: account, risk with evidence, swarm, SLA clocks, timeline, pending approvals."""
    try:
        return JSONBody(case_360(engine, principal, case_id))
    except CaseNotFound:
        raise HTTPException(404, f"no case {case_id}") from None


@router.post("/{case_id}/brief", status_code=202, responses={401: {}, 403: {}, 404: {}, 409: {}, 503: {}})
def refresh_brief(case_id: str, engine: EngineDep, service: CasesDep,
                  principal: Annotated[Principal, Depends(require(Capability.refresh_brief))]) -> dict[str, Any]:
    """Ask the workflow for a fresh brief of the case."""
    try:
        visible_case(engine, principal, case_id)
    except CaseNotFound:
        raise HTTPException(404, f"no case {case_id}") from None
    try:
        result = briefs.refresh_brief(service.context, case_id)
    except briefs.BriefUnavailable as exc:
        raise HTTPException(409, str(exc)) from None
    audit(engine, datetime.now(UTC), principal.actor, "case.brief", case_id, "ok")
    return {"case_id": case_id, "brief": _jsonable(result)}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value
