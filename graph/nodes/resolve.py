"""resolve: knowledge and runbook suggestions, next-best actions and a drafted customer update."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.drafting import draft_customer_update, propose_next_actions
from core.models import Phase, RiskAssessment
from core.store.cases import update_escalation
from graph.case_context import build_case_context
from graph.context import WorkflowContext
from graph.record import log
from graph.state import CaseState

STEP = "resolve"


def _query(state: CaseState) -> str:
    brief = state["brief"]
    return " ".join(brief[name]["text"] for name in ("intent", "escalation_reason"))


def resolve(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    now = ctx.clock()
    update_escalation(ctx.engine, state["case_id"], now, phase=Phase.resolve)
    assessment = RiskAssessment.model_validate(state["assessment"])
    case = build_case_context(ctx, state["account_id"], assessment, now, note=state.get("owner_note", ""))
    suggestions = [s.model_dump(mode="json") for s in ctx.knowledge.search(_query(state), k=5)]
    actions = propose_next_actions(case, ctx.model, ctx.settings)
    update = draft_customer_update(case, ctx.model, ctx.settings)
    log(ctx, state, STEP, "suggestions", {"suggestions": suggestions})
    log(ctx, state, STEP, "next_actions", actions.model_dump(mode="json"), actor=f"system:{actions.source}")
    log(ctx, state, STEP, "customer_update_drafted", update.model_dump(mode="json"), actor=f"system:{update.source}")
    return {"suggestions": suggestions, "next_actions": actions.model_dump(mode="json"),
            "customer_update": update.model_dump(mode="json")}
