"""The approval inbox: what a caller may see and decide, and the one decide path (API and pages share it).

Every decision is first checked against its approval's edit contract (`core.models.edits`): a bad one
is a 422 naming each field's path and records nothing. Deciding goes through the product's case service
(it checks the interrupt is pending, claims the decision atomically and resumes the case; a decision it
cannot apply is a 503 and the approval is marked failed, to be decided again). Every outcome, including
refusals, is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from fastapi import HTTPException
from pydantic import ValidationError

from api.auth import Principal
from api.permissions import can_decide, redact_approval, refuse, sees_case, visible_cases
from api.readers import AccountNotFound, get_account
from core.models import ApprovalDecision, DecisionType
from core.models.edits import EditRefused, settle_decision
from core.permissions import Capability, can
from core.store.approvals import (
    ApprovalConflict,
    ApprovalNotFound,
    ApprovalRecord,
    DecisionFailed,
    get_approval,
    get_approval_with_evidence,
)
from core.store.approvals import list_approvals as store_list
from core.store.cases import CaseNotFound, get_escalation
from core.store.ledger import audit


class DecisionInvalid(HTTPException):
    """422 whose detail lists each error with its field path (`["body", "edited_payload", ...]`)."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(422, errors)
        self.errors = errors


class CaseService(Protocol):
    """The part of graph.service.CaseService the HTTP surface calls."""

    def decide(self, approval_id: str, decision: ApprovalDecision) -> ApprovalRecord: ...


def may_read(engine: sa.Engine, principal: Principal, record: ApprovalRecord) -> bool:
    if can_decide(principal, record)[0] or can(principal.role, Capability.read_all_cases):
        return True
    try:
        case = get_escalation(engine, record.case_id)
    except CaseNotFound:
        return False
    try:
        account = get_account(engine, case.account_id)
    except AccountNotFound:
        account = None
    return sees_case(engine, principal, case, account)


def list_visible(engine: sa.Engine, principal: Principal, *, status: str | None = "pending",
                 role: str | None = None, owner: str | None = None, case_id: str | None = None,
                 min_age_s: int | None = None, mine: bool = False, limit: int | None = None,
                 offset: int = 0) -> list[ApprovalRecord]:
    """Approvals the caller may read, oldest first; `mine` keeps only those they may decide without an
    override; `limit`/`offset` page through what the caller may read. A fixed number of queries whatever
    the number of approvals (the read rule is checked for all their cases at once)."""
    older_than = datetime.now(UTC) - timedelta(seconds=min_age_s) if min_age_s else None
    query = {"status": status, "role": role, "owner": owner, "case_id": case_id, "older_than": older_than}
    if mine:
        return store_list(engine, **query, decidable_by=(principal.role.value, principal.actor), limit=limit,
                          offset=offset)
    if can(principal.role, Capability.read_all_cases):
        return store_list(engine, **query, limit=limit, offset=offset)
    records = store_list(engine, **query)
    undecidable = [r.case_id for r in records if not can_decide(principal, r)[0]]
    visible = visible_cases(engine, principal, undecidable) if undecidable else set()
    readable = [r for r in records if r.case_id in visible or can_decide(principal, r)[0]]
    return readable[offset:offset + limit if limit is not None else None]


def read_approval(engine: sa.Engine, principal: Principal, approval_id: str) -> ApprovalRecord:
    try:
        record = get_approval(engine, approval_id)
    except ApprovalNotFound:
        raise HTTPException(404, f"no approval {approval_id}") from None
    if not may_read(engine, principal, record):
        refuse(engine, principal, "approval.read", approval_id)
    return record


def read_approval_view(engine: sa.Engine, principal: Principal, approval_id: str) -> dict[str, Any]:
    """One approval as the caller may see it, with the evidence its (visible) request cites: 404 unknown,
    403 not theirs (audited). The approval and its evidence are read on one connection."""
    try:
        record, evidence = get_approval_with_evidence(engine, approval_id)
    except ApprovalNotFound:
        raise HTTPException(404, f"no approval {approval_id}") from None
    if not may_read(engine, principal, record):
        refuse(engine, principal, "approval.read", approval_id)
    view = redact_approval(principal, record)
    shown = set(view["request"]["evidence_refs"])  # a redacted request cites nothing
    view["evidence"] = [e for e in evidence if e["ref"] in shown]
    return view


def decide(engine: sa.Engine, service: CaseService, principal: Principal, approval_id: str, *,
           type: DecisionType, edited_payload: dict[str, Any] | None = None,
           comment: str | None = None) -> ApprovalRecord:
    """Apply one decision as the authenticated principal: 404 unknown, 403 not theirs, 409 not pending."""
    now = datetime.now(UTC)

    def audited(outcome: str, status: int, message: Any, **detail: Any) -> HTTPException:
        audit(engine, now, principal.actor, "approval.decide", approval_id, outcome,
              {"role": principal.role.value, "type": type, **detail})
        return HTTPException(status, message)

    def invalid(errors: list[dict[str, Any]]) -> DecisionInvalid:
        audited("invalid", 422, "", errors=[{"loc": e["loc"], "msg": e["msg"]} for e in errors[:5]])
        return DecisionInvalid([{**e, "loc": ["body", *e["loc"]]} for e in errors])

    try:
        record = get_approval(engine, approval_id)
    except ApprovalNotFound:
        raise audited("not_found", 404, f"no approval {approval_id}") from None
    allowed, override = can_decide(principal, record)
    if not allowed:
        raise audited("forbidden", 403, f"approval is assigned to {record.request.assigned_role.value}"
                      + (f" ({record.request.assigned_to})" if record.request.assigned_to else ""))
    try:
        decision = settle_decision(record.request, ApprovalDecision(
            type=type, edited_payload=edited_payload, comment=comment, actor=principal.actor))
    except ValidationError as exc:
        raise invalid([{"loc": list(e["loc"]) or ["body"], "msg": e["msg"], "type": e["type"]}
                       for e in exc.errors()]) from None
    except EditRefused as exc:
        raise invalid(exc.errors) from None
    try:
        decided = service.decide(approval_id, decision)
    except ApprovalNotFound:
        raise audited("not_found", 404, f"no approval {approval_id}") from None
    except ApprovalConflict as exc:
        raise audited("conflict", 409, str(exc)) from None
    except EditRefused as exc:  # the pending request changed under us: refused, nothing recorded
        raise invalid(exc.errors) from None
    except DecisionFailed as exc:
        raise audited("failed", 503, str(exc)) from None
    audit(engine, now, principal.actor, "approval.decide", approval_id, "decided",
          {"role": principal.role.value, "type": decision.type, "override": override, "case_id": decided.case_id})
    return decided
