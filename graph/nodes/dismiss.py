"""dismiss: the owner judged the Red flag a false positive; the case closes with that outcome."""

from __future__ import annotations

from langgraph.runtime import Runtime

from core.models import Outcome
from core.store.cases import close_escalation
from graph.context import WorkflowContext
from graph.record import log
from graph.state import CaseState


def dismiss(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    reason = state.get("reason") or "dismissed by the owner"
    close_escalation(ctx.engine, state["case_id"], ctx.clock(), Outcome.false_positive, reason)
    log(ctx, state, "dismiss", "closed", {"outcome": Outcome.false_positive.value, "reason": reason})
    return {"outcome": Outcome.false_positive.value}
