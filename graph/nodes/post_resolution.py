"""post_resolution: extract what fixed it into a knowledge article draft, with the case as provenance."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.drafting import extract_knowledge
from core.models import Phase, RiskAssessment
from core.store.cases import update_escalation
from graph.case_context import build_case_context
from graph.context import WorkflowContext
from graph.record import log
from graph.state import CaseState

STEP = "post_resolution"


def post_resolution(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    now = ctx.clock()
    update_escalation(ctx.engine, state["case_id"], now, phase=Phase.post_resolution)
    assessment = RiskAssessment.model_validate(state["assessment"])
    case = build_case_context(ctx, state["account_id"], assessment, now)
    note = state.get("resolution_note") or " ".join(
        a["action"] for a in state.get("next_actions", {}).get("actions", []))
    draft = extract_knowledge(case, ctx.model, ctx.settings, resolution_note=note)
    article = draft.to_article(f"kb-{state['case_id']}-r{state.get('round', 0)}", source_case_id=state["case_id"])
    log(ctx, state, STEP, "article_drafted", {"article": article.model_dump(mode="json"), "source": draft.source},
        actor=f"system:{draft.source}")
    return {"article": article.model_dump(mode="json")}
