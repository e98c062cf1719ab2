"""Accounts: the book ranked by risk, one account with its risk now, its risk history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from api.auth import Principal
from api.deps import EngineDep
from api.permissions import redact_account, redact_assessment, require
from api.readers import AccountNotFound, accounts_by_risk, get_account, risk_history
from api.responses import JSONBody
from core.models import Band
from core.permissions import Capability
from core.store.records import read_account_risk

router = APIRouter(prefix="/accounts", tags=["accounts"])

Reader = Annotated[Principal, Depends(require(Capability.read_accounts))]


@router.get("", responses={401: {}, 403: {}})
def list_accounts(engine: EngineDep, principal: Reader, band: Band | None = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Accounts by latest risk score, highest first; sensitive fields redacted by role."""
    return [{"account": redact_account(principal, account), "risk": risk | {"assessed_at": risk["assessed_at"]
             and risk["assessed_at"].isoformat()}}
            for account, risk in accounts_by_risk(engine, band.value if band else None, limit)]


@router.get("/{account_id}", response_model=dict[str, Any], responses={401: {}, 403: {}, 404: {}})
def read_account(account_id: str, engine: EngineDep, principal: Reader) -> JSONBody:
    """The account, its current risk with evidence, and its open case (if any)."""
    try:
        account, risk, open_case_id = read_account_risk(engine, account_id)
    except AccountNotFound:
        raise HTTPException(404, f"no account {account_id}") from None
    return JSONBody({"account": redact_account(principal, account), "risk": redact_assessment(principal, risk),
                     "open_case_id": open_case_id})


@router.get("/{account_id}/risk-history", responses={401: {}, 403: {}, 404: {}})
def read_risk_history(account_id: str, engine: EngineDep, principal: Reader) -> list[dict[str, Any]]:
    """Every assessment of the account, oldest first (compliance findings redacted by role)."""
    try:
        get_account(engine, account_id)
    except AccountNotFound:
        raise HTTPException(404, f"no account {account_id}") from None
    return [redact_assessment(principal, a) or {} for a in risk_history(engine, account_id)]
