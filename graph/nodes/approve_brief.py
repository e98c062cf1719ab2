"""approve_brief: the owner validates the brief, tier and swarm (interrupt), then the decision is recorded."""

from __future__ import annotations

from langgraph.runtime import Runtime

from core.models import ApprovalRequest, MeasurementKind, Role
from core.models.edits import apply_brief, check_edit
from graph.approval import ask_human, shown_proposal
from graph.context import WorkflowContext
from graph.keys import step_id
from graph.record import log, measure
from graph.state import CaseState

STEP = "validate_brief"


def _request(state: CaseState) -> ApprovalRequest:
    triage = state["triage"]
    brief = state["brief"]
    refs = sorted({c for name in ("intent", "tried", "results", "status", "escalation_reason")
                   for c in brief[name]["citations"]})
    return ApprovalRequest(
        action=STEP, case_id=state["case_id"], step=step_id(state, STEP),
        proposal={"brief": brief, "tier": triage["tier"], "owner": triage["owner"], "swarm": triage["swarm"],
                  "sla_due": triage["sla_due"],
                  "draft": {"source": brief["source"], "note": brief.get("note", ""), "fallbacks": []}},
        reasons=[f"account scored {state['assessment']['score']:.0f} ({state['assessment']['band']})",
                 "seed rule: the designated owner validates the summary and takes ownership"],
        # The rules that made this a case: triggers and compliance (tier/role/SLA rules are shown in the proposal).
        forced_by_rules=[r for r in state["assessment"].get("triggered_rules", []) if r.startswith(("TRG-", "CMP-"))],
        assigned_role=Role(triage["owner_role"]), assigned_to=triage["owner"], evidence_refs=refs,
    )


def approve_brief(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    request = _request(state)
    decision = ask_human(request, ctx.engine)
    # Everything below runs only once the human has answered; keyed writes make a re-run harmless.
    log(ctx, state, STEP, "decision", {"step": step_id(state, STEP), **decision.model_dump(mode="json")},
        actor=decision.actor)
    update: CaseState = {"last_decision": decision.model_dump(mode="json")}
    if decision.type in ("approve", "edit"):
        measure(ctx, state, STEP, MeasurementKind.reviewed)
        measure(ctx, state, STEP, MeasurementKind.confirmed)
        # The reviewer decided on what the inbox showed: the model's draft if it replaced the extractive one.
        proposal = shown_proposal(ctx.engine, request)
        shown = proposal.get("brief", state["brief"])
        if shown != state["brief"]:
            update["brief"] = shown
        # The service validated the edit against this proposal; checking again costs nothing and means a
        # decision stored before the contract existed fails loudly instead of being half applied.
        changes = check_edit(STEP, proposal, decision.edited_payload) if decision.type == "edit" else {}
        if changes:
            brief = apply_brief(shown, changes)
            log(ctx, state, STEP, "brief_edited", {"original": shown, "edited": brief, "changes": changes},
                actor=decision.actor)
            update["brief"] = brief
    elif decision.type == "reject":
        measure(ctx, state, STEP, MeasurementKind.reviewed)
        measure(ctx, state, STEP, MeasurementKind.false_positive, {"comment": decision.comment})
        update["outcome"] = "false_positive"
        update["reason"] = f"owner rejected the Red flag: {decision.comment or 'no comment'}"
    else:  # respond: the owner answered with a note; the brief is redrafted with it
        update["owner_note"] = decision.comment or ""
        update["attempt"] = state.get("attempt", 0) + 1
    return update
