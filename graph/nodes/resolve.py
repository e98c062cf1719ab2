"""resolve: knowledge and runbook suggestions, next-best actions and a drafted customer update."""

from __future__ import annotations

from datetime import datetime

from langgraph.runtime import Runtime

from agent.drafting import draft_customer_update, propose_next_actions
from core.models import Phase, RiskAssessment
from core.store.cases import update_escalation
from graph.case_context import build_case_context, update_facts
from graph.context import WorkflowContext
from graph.model_drafts import extractive_note
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
    triage = state["triage"]
    sla_due = {k: datetime.fromisoformat(v) for k, v in triage.get("sla_due", {}).items()}
    facts = update_facts(ctx, state["account_id"], triage.get("owner"), triage.get("owner_role"), sla_due, now)
    # Extractive at once; the model's actions and update arrive as a job and replace these if still undecided.
    note = extractive_note(ctx)
    actions = propose_next_actions(case, None, ctx.settings, note=note)
    update = draft_customer_update(case, None, ctx.settings, facts=facts, note=note)
    log(ctx, state, STEP, "suggestions", {"suggestions": suggestions})
    log(ctx, state, STEP, "next_actions", actions.model_dump(mode="json"), actor=f"system:{actions.source}")
    log(ctx, state, STEP, "customer_update_drafted", update.model_dump(mode="json"), actor=f"system:{update.source}")
    return {"suggestions": suggestions, "next_actions": actions.model_dump(mode="json"),
            "customer_update": update.model_dump(mode="json")}
