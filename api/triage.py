"""The inbox as a reviewer triages it: each approval with its account, value, risk and deadline, most urgent first.

Urgency: the earliest SLA clock of the case first (cases without a clock after those with one), then
the larger ARR, then the higher risk score.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from api.auth import Principal
from api.permissions import redact_approval
from api.present import as_datetime, words
from core.store.approvals import ApprovalRecord
from core.store.book import case_accounts

_ASKS = {
    "validate_brief": "Validate the brief and take ownership of the case",
    "send_customer_update": "Approve the update to the customer",
    "publish_article": "Publish the knowledge article drawn from the case",
    "risk_review": "Review a low-confidence risk assessment",
}


def what_is_asked(view: dict[str, Any]) -> str:
    """One sentence: what the reviewer is asked to decide, with the subject or title when there is one."""
    request = view["request"]
    action = request.get("action", "")
    proposal = request.get("proposal") or {}
    text = _ASKS.get(action, words(action).capitalize())
    detail = proposal.get("subject") or (proposal.get("article") or {}).get("title") if isinstance(proposal, dict) else None
    return f"{text}: “{detail}”" if isinstance(detail, str) and detail else text


def _next_due(sla_due: dict[str, str]) -> tuple[str, datetime] | None:
    clocks = [(name, at) for name, raw in sla_due.items() if (at := as_datetime(raw)) is not None]
    return min(clocks, key=lambda c: c[1]) if clocks else None


def triage_rows(engine: sa.Engine, principal: Principal, records: list[ApprovalRecord]) -> list[dict[str, Any]]:
    """The caller's view of each approval plus what ranks it, most urgent first."""
    accounts = case_accounts(engine, [r.case_id for r in records])
    rows = []
    for record in records:
        view = redact_approval(principal, record)
        acc = accounts.get(record.case_id)
        due = _next_due(acc.sla_due) if acc else None
        rows.append({"a": view, "acc": acc, "asked": what_is_asked(view),
                     "due_clock": due[0] if due else None, "due_at": due[1] if due else None})

    def urgency(row: dict[str, Any]) -> tuple:
        acc, due_at = row["acc"], row["due_at"]
        return (due_at is None, due_at.timestamp() if due_at else 0.0,
                -(acc.arr or 0.0) if acc else 0.0, -(acc.score or 0.0) if acc else 0.0, row["a"]["created_at"])

    return sorted(rows, key=urgency)
