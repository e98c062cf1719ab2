"""The one interrupt contract: every human approval goes through `ask_human`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from langgraph.types import interrupt

from core.models import ApprovalDecision, ApprovalRequest
from core.store import approvals as approval_store

TIMER = "timer"


def ask_human(request: ApprovalRequest, engine: sa.Engine | None = None) -> ApprovalDecision:
    """Pause the thread until a person decides. Must be called before any side effect in its node.

    With the store at hand, the decision recorded on the approval wins over the value the thread was
    resumed with: after a decision failed to apply, a person may decide again, but the thread keeps
    answering its interrupt with the first value it was given.
    """
    answer: Any = interrupt({"kind": "approval", "request": request.model_dump(mode="json")})
    decision = ApprovalDecision.model_validate(answer)
    if engine is not None:
        decision = approval_store.recorded_decision(engine, request.case_id, request.step) or decision
    if decision.type not in request.allowed_decisions:
        raise ValueError(f"decision {decision.type!r} is not allowed for {request.action}")
    return decision


def shown_proposal(engine: sa.Engine, request: ApprovalRequest) -> dict[str, Any]:
    """The proposal the reviewer decided on: the inbox's copy, which a checked model draft may have
    replaced after the step proposed its extractive draft; the step's own proposal if never mirrored."""
    try:
        return approval_store.get_approval(engine, approval_store.approval_id_for(request.case_id, request.step)
                                           ).request.proposal
    except approval_store.ApprovalNotFound:
        return request.proposal


def wait_until(until: str, reason: str) -> dict[str, Any]:
    """Pause the thread until the scheduler resumes it (a timer, not a human decision)."""
    return interrupt({"kind": TIMER, "until": until, "reason": reason})
