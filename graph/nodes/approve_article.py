"""approve_article: a person reviews the drafted article; approved articles are embedded for the next case."""

from __future__ import annotations

from langgraph.runtime import Runtime

from core.models import ApprovalRequest, ArticleStatus, KnowledgeArticle, Role
from core.models.edits import check_edit
from core.store.articles import save_article
from graph.approval import ask_human, shown_proposal
from graph.context import WorkflowContext
from graph.keys import step_id
from graph.record import log
from graph.state import CaseState

STEP = "publish_article"


def approve_article(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    draft = KnowledgeArticle.model_validate(state["article"])
    info = state.get("article_draft") or {"source": "extractive", "note": "", "fallbacks": []}
    request = ApprovalRequest(
        action=STEP, case_id=state["case_id"], step=step_id(state, STEP),
        proposal={"article": draft.model_dump(mode="json"), "draft": info},
        reasons=["post-resolution: AI-extracted knowledge is reviewed for accuracy before it is shared"],
        forced_by_rules=["POLICY-KB-REVIEW"], assigned_role=Role(state["triage"]["owner_role"]),
        assigned_to=state["triage"]["owner"], evidence_refs=draft.provenance,
        # An article whose solution no resolution evidence supports is never published as drafted.
        allowed_decisions=["approve", "edit", "reject"] if info.get("solution_known", True) else ["edit", "reject"],
    )
    decision = ask_human(request, ctx.engine)
    shown = shown_proposal(ctx.engine, request)
    draft = KnowledgeArticle.model_validate(shown["article"])
    log(ctx, state, STEP, "decision", {"step": request.step, **decision.model_dump(mode="json")},
        actor=decision.actor)
    changes = check_edit(STEP, shown, decision.edited_payload) if decision.type == "edit" else {}
    edits = changes.get("article", {})
    # An unknown solution must be written by the reviewer; an edit that leaves it out publishes nothing.
    publishable = info.get("solution_known", True) or "solution" in edits
    if decision.type in ("approve", "edit") and publishable:
        article = draft.model_copy(update={**edits, "status": ArticleStatus.approved})
        article = KnowledgeArticle.model_validate(article.model_dump())
        save_article(ctx.engine, article, ctx.clock())
        ctx.knowledge.capture_article(article)  # stable id: re-running adds nothing
        log(ctx, state, STEP, "article_published", {"article_id": article.id, "original": draft.model_dump(mode="json"),
                                                    "published": article.model_dump(mode="json")}, actor=decision.actor)
        return {"article": article.model_dump(mode="json"), "last_decision": decision.model_dump(mode="json")}
    rejected = draft.model_copy(update={"status": ArticleStatus.rejected})
    save_article(ctx.engine, rejected, ctx.clock())
    comment = decision.comment if publishable else "not published: the solution is unknown and was not written"
    log(ctx, state, STEP, "article_rejected", {"article_id": draft.id, "comment": comment},
        actor=decision.actor)
    return {"article": rejected.model_dump(mode="json"), "last_decision": decision.model_dump(mode="json")}
