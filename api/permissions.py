"""Enforcement of core.permissions: function-level dependencies, object checks, property redaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, require_principal
from core.models import Account, Escalation, RiskAssessment, Role, TimelineEntry
from core.permissions import (
    Capability,
    can,
    is_compliance_kind,
    is_compliance_marked,
    may_decide,
    may_see_case,
)
from core.store.approvals import ApprovalRecord, list_approvals
from core.store.cases import case_viewers
from core.store.ledger import audit

REDACTED = "[redacted: not visible to your role]"


def require(capability: Capability) -> Callable[..., Principal]:
    """Dependency: the caller must hold the capability (403 and an audit line otherwise)."""

    async def dependency(request: Request, principal: Principal = Depends(require_principal)) -> Principal:
        # async: the check is pure; only a refusal writes (its audit line), in the threadpool.
        if not can(principal.role, capability):
            await run_in_threadpool(refuse, request.app.state.engine, principal, f"call:{capability.value}",
                                    request.url.path)
        return principal

    return dependency


def refuse(engine: sa.Engine, principal: Principal, action: str, target: str, status: int = 403) -> None:
    audit(engine, datetime.now(UTC), principal.actor, action, target, "forbidden", {"role": principal.role.value})
    raise HTTPException(status, f"role {principal.role.value} may not do this")


def can_decide(principal: Principal, record: ApprovalRecord) -> tuple[bool, bool]:
    request = record.request_json
    return may_decide(principal.role, principal.actor, Role(request["assigned_role"]), request["assigned_to"])


def sees_case(engine: sa.Engine, principal: Principal, case: Escalation, account: Account | None,
              pending: list[ApprovalRecord] | None = None) -> bool:
    """The object-level read rule for one case; `pending`: the case's pending approvals if the caller has
    read them already (otherwise they are read here, only when the rule needs them)."""
    if can(principal.role, Capability.read_all_cases):
        return True
    if pending is None:
        pending = list_approvals(engine, case_id=case.id)
    holds = any(can_decide(principal, r) == (True, False) for r in pending if r.status == "pending")
    return may_see_case(principal.role, principal.actor, owner=case.owner,
                        swarm=[m.person for m in case.swarm if m.renounced_at is None],
                        account_people=[account.ae, account.csm] if account else [], holds_approval=holds)


def visible_cases(engine: sa.Engine, principal: Principal, case_ids: list[str]) -> set[str]:
    """The ids among `case_ids` the caller may see: `sees_case` for many cases in three queries."""
    if can(principal.role, Capability.read_all_cases):
        return set(case_ids)
    out = set()
    for case_id, v in case_viewers(engine, sorted(set(case_ids))).items():
        holds = any(may_decide(principal.role, principal.actor, Role(role), to) == (True, False) for role, to in v.pending)
        if may_see_case(principal.role, principal.actor, owner=v.owner, swarm=v.swarm,
                        account_people=v.account_people, holds_approval=holds):
            out.add(case_id)
    return out


def redact_account(principal: Principal, account: Account) -> dict[str, Any]:
    data = account.model_dump(mode="json")
    if not can(principal.role, Capability.view_legal_notes):
        data["legal_notes"] = REDACTED if data["legal_notes"] else None
    if not can(principal.role, Capability.view_contract_terms):
        data["contract_terms"] = REDACTED if data["contract_terms"] else None
    return data


def redact_assessment(principal: Principal, assessment: RiskAssessment | dict[str, Any] | None) -> dict[str, Any] | None:
    """Compliance findings (CMP-* signals and triggered rules) only for roles that need them.

    Takes the model or its stored JSON (read as is: never changed, the answer is a new dict)."""
    if assessment is None:
        return None
    data = assessment.model_dump(mode="json") if isinstance(assessment, RiskAssessment) else dict(assessment)
    if can(principal.role, Capability.view_compliance):
        data["redacted_signals"] = 0
        return data
    kept = [s for s in data["signals"] if not is_compliance_marked(s["rule_id"])]
    data["redacted_signals"] = len(data["signals"]) - len(kept)
    data["signals"] = kept
    data["triggered_rules"] = [r for r in data["triggered_rules"] if not is_compliance_marked(r)]
    return data


def redact_entry(principal: Principal, entry: TimelineEntry | dict[str, Any]) -> dict[str, Any]:
    """A timeline entry (the model or its JSON-ready dict) with compliance payloads hidden by role."""
    data = entry.model_dump(mode="json") if isinstance(entry, TimelineEntry) else dict(entry)
    if not can(principal.role, Capability.view_compliance) and (
            is_compliance_kind(data["kind"]) or is_compliance_marked(data["payload"])):
        data["payload"] = {"redacted": REDACTED}
    return data


def approval_is_sensitive(record: ApprovalRecord) -> bool:
    request = record.request_json
    return request["assigned_role"] == Role.compliance.value or is_compliance_marked(request["forced_by_rules"])


def redact_approval(principal: Principal, record: ApprovalRecord) -> dict[str, Any]:
    """An approval as the caller may see it; compliance-forced proposals are hidden from other roles.

    Built from the stored JSON (a copy: the record is never changed), without re-validating it."""
    decidable, override = can_decide(principal, record)
    request = dict(record.request_json)
    if approval_is_sensitive(record) and not can(principal.role, Capability.view_compliance):
        request["proposal"] = {"redacted": REDACTED}
        request["reasons"] = [REDACTED] if request["reasons"] else []
        request["evidence_refs"] = []
    return {
        "id": record.id, "case_id": record.case_id, "step": record.step, "status": record.status,
        "created_at": record.created_at.isoformat(), "decided_at": record.decided_at and record.decided_at.isoformat(),
        "decided_by": record.decided_by,
        "decision": record.decision_json,
        "error": record.error,
        "request": request, "you_may_decide": decidable and record.status in ("pending", "failed"),
        "as_override": override,
    }
