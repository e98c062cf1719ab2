"""Read models shared by the JSON API and the pages: the case 360 view and account views, role-redacted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from api.auth import Principal
from api.permissions import (
    redact_account,
    redact_approval,
    redact_assessment,
    redact_entry,
    refuse,
    sees_case,
)
from api.readers import AccountNotFound, get_account
from core.models import Account, Escalation
from core.store.cases import get_escalation, read_case

SLA_WARNING_S = 4 * 3600


def sla_clocks(case: Escalation, now: datetime) -> list[dict[str, Any]]:
    """Each case clock with time left; `breached` once due, `warning` inside the last four hours."""
    end = case.closed_at or now
    clocks = []
    for name, due in sorted(case.sla_due.items(), key=lambda kv: kv[1]):
        left = (due - end).total_seconds()
        state = "breached" if left < 0 else "warning" if left < SLA_WARNING_S else "ok"
        clocks.append({"clock": name, "due": due.isoformat(), "seconds_left": int(left), "state": state})
    return clocks


def visible_case(engine: sa.Engine, principal: Principal, case_id: str) -> tuple[Escalation, Account | None]:
    """The case if the caller may see it (CaseNotFound -> 404, someone else's -> 403, audited)."""
    case = get_escalation(engine, case_id)
    try:
        account = get_account(engine, case.account_id)
    except AccountNotFound:
        account = None
    if not sees_case(engine, principal, case, account):
        refuse(engine, principal, "case.read", case_id)
    return case, account


def case_360(engine: sa.Engine, principal: Principal, case_id: str) -> dict[str, Any]:
    """Account, risk with evidence, swarm, SLA clocks, timeline, pending and failed approvals in one read
    (one connection, a fixed number of queries; stored JSON is redacted, not re-validated)."""
    read = read_case(engine, case_id)
    case, account = read.case, read.account
    if not sees_case(engine, principal, case, account, pending=read.approvals):
        refuse(engine, principal, "case.read", case_id)
    now = datetime.now(UTC)
    return {
        "case": case.model_dump(mode="json", exclude={"swarm", "sla_due"}),
        "account": redact_account(principal, account) if account else None,
        "risk": redact_assessment(principal, read.assessment_json),
        "swarm": [m.model_dump(mode="json") for m in case.swarm],
        "sla": sla_clocks(case, now),
        "timeline": [redact_entry(principal, e) for e in read.timeline],
        "pending_approvals": [redact_approval(principal, r) for r in read.approvals if r.status == "pending"],
        # Decisions the workflow could not apply, with the error: shown until someone decides again.
        "failed_approvals": [redact_approval(principal, r) for r in read.approvals if r.status == "failed"],
    }
