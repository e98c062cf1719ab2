"""The model-draft job: replace an open approval's extractive proposal with the model's checked draft.

Steps propose extractive drafts at once (the approval is open immediately) and ask `context.drafts` for
this job. The job drafts with the model, and the drafting functions run the grounding and sendability
checks (unsupported fields fall back to extractive). The proposal is replaced only if the model's draft
survived the checks and only while nobody has decided (compare-and-set in the approvals store); the
proposal's `draft` block and the timeline say which source each proposal came from.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

from agent.context import ResolutionEvidence
from agent.drafting import draft_brief, draft_customer_update, extract_knowledge, propose_next_actions
from agent.outputs import CustomerUpdate, KnowledgeDraft, NextActions
from core.models import KnowledgeArticle, TimelineEntry
from core.store import approvals as approval_store
from core.store.cases import append_timeline, edited_customer_updates, get_escalation
from graph.case_context import build_case_context, update_facts
from graph.context import WorkflowContext

log = logging.getLogger(__name__)
Outcome = Literal["applied", "rejected", "decided", "missing", "no_model", "unavailable"]

PENDING_NOTE = "extractive: drafted at once from the evidence; a checked model draft may replace it"


def model_configured(ctx: WorkflowContext) -> bool:
    return ctx.model is not None and ctx.settings.llm_enabled


def extractive_note(ctx: WorkflowContext) -> str:
    """The note an extractive proposal carries: whether a model draft is on its way."""
    if not model_configured(ctx):
        return "extractive: model disabled"
    return PENDING_NOTE if ctx.drafts is not None else "extractive: no job queue to schedule the model's draft"


def draft_info(source: str, note: str, fallbacks: list[str], **extra: Any) -> dict[str, Any]:
    """The `draft` block of a proposal: who wrote it and which fields fell back to extractive."""
    return {"source": source, "note": note, "fallbacks": fallbacks, **extra}


def apply_model_draft(context: WorkflowContext, case_id: str, step: str) -> Outcome:
    """Job body: draft the approval `step` of `case_id` with the model and swap it in if still undecided."""
    approval_id = approval_store.approval_id_for(case_id, step)
    try:
        record = approval_store.get_approval(context.engine, approval_id)
    except approval_store.ApprovalNotFound:
        return "missing"
    if record.status != "pending":
        return "decided"
    if not model_configured(context):
        return "no_model"
    from rules.detect import latest_assessment

    case = get_escalation(context.engine, case_id)
    assessment = latest_assessment(context.engine, case.account_id)
    if assessment is None:
        return "unavailable"
    now = context.clock()
    ctx = build_case_context(context, case.account_id, assessment, now)
    proposal = dict(record.request.proposal)
    drafted = _draft(context, record, ctx, case.owner, case.sla_due, proposal, now)
    if drafted is None:
        return _record(context, case_id, step, "rejected", proposal.get("draft", {}).get("model_note", ""))
    applied = _entry(context, case_id, step, "applied", drafted["draft"]["note"], drafted["draft"]["fallbacks"])
    if not approval_store.replace_proposal(context.engine, approval_id, drafted, timeline=applied,
                                           idem_key=_idem_key(case_id, step)):
        return "decided"  # the reviewer decided while the model was writing: their decision stands
    log.info("model draft for %s %s: applied", case_id, step)
    return "applied"


def _draft(context: WorkflowContext, record: approval_store.ApprovalRecord, ctx: Any, owner: str | None,
           sla_due: dict[str, datetime], proposal: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The new proposal, or None when no model text survived the checks (the note is kept in `proposal`)."""
    action, model, settings, grounder = record.request.action, context.model, context.settings, context.grounder
    if action == "validate_brief":
        brief = draft_brief(ctx, model, settings, grounder=grounder)
        info = draft_info(brief.source, brief.note, brief.fallbacks)
        if brief.source != "model":
            proposal["draft"] = {**proposal.get("draft", {}), "model_note": brief.note}
            return None
        return {**proposal, "brief": brief.model_dump(mode="json"), "draft": info}
    if action == "send_customer_update":
        facts = update_facts(context, ctx.account_id, owner, record.request.assigned_role.value, sla_due, now)
        actions = propose_next_actions(ctx, model, settings, grounder=grounder)
        update = draft_customer_update(ctx, model, settings, facts=facts, grounder=grounder,
                                       examples=edited_customer_updates(context.engine))
        return _outreach(proposal, actions, update)
    if action == "publish_article":
        draft_block = proposal.get("draft", {})
        resolution = [ResolutionEvidence.model_validate(r) for r in draft_block.get("resolution", [])]
        knowledge = extract_knowledge(ctx, model, settings, resolution=resolution, grounder=grounder)
        return _article(proposal, knowledge)
    return None


def _outreach(proposal: dict[str, Any], actions: NextActions, update: CustomerUpdate) -> dict[str, Any] | None:
    if actions.source != "model" and update.source != "model":
        proposal["draft"] = {**proposal.get("draft", {}), "model_note": f"{update.note}; {actions.note}"}
        return None
    new = dict(proposal)
    fallbacks = [*(["body"] if update.source != "model" else []), *(["next_actions"] if actions.source != "model"
                                                                     else actions.fallbacks)]
    if update.source == "model":
        shown = update.restored()
        new |= {"subject": shown.subject, "body": shown.body, "source": "model"}
    if actions.source == "model":
        new["next_actions"] = [a.model_dump(mode="json") for a in actions.actions]
    note = "; ".join(n for n in (update.note, actions.note) if n)
    new["draft"] = draft_info("model", note, fallbacks, **_kept(proposal))
    return new


def _article(proposal: dict[str, Any], knowledge: KnowledgeDraft) -> dict[str, Any] | None:
    if knowledge.source != "model":
        proposal["draft"] = {**proposal.get("draft", {}), "model_note": knowledge.note}
        return None
    current = KnowledgeArticle.model_validate(proposal["article"])
    article = knowledge.to_article(current.id, source_case_id=current.source_case_id)
    return {**proposal, "article": article.model_dump(mode="json"),
            "draft": draft_info("model", knowledge.note, knowledge.fallbacks, **_kept(proposal))}


def _kept(proposal: dict[str, Any]) -> dict[str, Any]:
    # What the step recorded about its evidence (resolution, solution_known) stays with the new draft.
    return {k: v for k, v in proposal.get("draft", {}).items() if k in ("resolution", "solution_known")}


def _entry(context: WorkflowContext, case_id: str, step: str, outcome: Outcome, note: str,
           fallbacks: list[str] | None = None) -> TimelineEntry:
    kind = "model_draft_applied" if outcome == "applied" else "model_draft_rejected"
    return TimelineEntry(escalation_id=case_id, at=context.clock(), kind=kind, actor="system:model",
                         payload={"step": step, "source": "model" if outcome == "applied" else "extractive",
                                  "note": note, "fallbacks": fallbacks or []})


def _idem_key(case_id: str, step: str) -> str:
    return f"{case_id}:{step}:model_draft"


def _record(context: WorkflowContext, case_id: str, step: str, outcome: Outcome, note: str,
            fallbacks: list[str] | None = None) -> Outcome:
    append_timeline(context.engine, _entry(context, case_id, step, outcome, note, fallbacks),
                    idem_key=_idem_key(case_id, step))
    log.info("model draft for %s %s: %s", case_id, step, outcome)
    return outcome
