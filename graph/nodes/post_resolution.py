"""post_resolution: extract what fixed it into a knowledge article draft, with the case as provenance.

The solution comes only from resolution evidence (the resolver's note, the support reply that reports the
fix); with none, the article says the solution is unknown and cannot be approved without an edit.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.drafting import extract_knowledge
from core.models import Phase, RiskAssessment
from core.store.approvals import approval_id_for
from core.store.cases import get_escalation, update_escalation
from graph.case_context import build_case_context, resolution_evidence
from graph.context import WorkflowContext
from graph.keys import step_id
from graph.model_drafts import draft_info, extractive_note
from graph.nodes.approve_outreach import STEP as OUTREACH_STEP
from graph.record import log
from graph.state import CaseState

STEP = "post_resolution"


def post_resolution(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    now = ctx.clock()
    update_escalation(ctx.engine, state["case_id"], now, phase=Phase.post_resolution)
    assessment = RiskAssessment.model_validate(state["assessment"])
    case = build_case_context(ctx, state["account_id"], assessment, now)
    note_ref = f"approval:{approval_id_for(state['case_id'], step_id(state, OUTREACH_STEP))}"
    opened = get_escalation(ctx.engine, state["case_id"]).opened_at
    resolution = resolution_evidence(case, state.get("resolution_note") or "", note_ref, opened)
    draft = extract_knowledge(case, None, ctx.settings, resolution=resolution, note=extractive_note(ctx))
    article = draft.to_article(f"kb-{state['case_id']}-r{state.get('round', 0)}", source_case_id=state["case_id"])
    info = draft_info(draft.source, draft.note, draft.fallbacks, solution_known=bool(resolution),
                      resolution=[r.model_dump(mode="json") for r in resolution])
    log(ctx, state, STEP, "article_drafted", {"article": article.model_dump(mode="json"), "source": draft.source,
                                              "draft": info}, actor=f"system:{draft.source}")
    return {"article": article.model_dump(mode="json"), "article_draft": info}
