"""approve_outreach: nothing reaches the customer until the owner approves (or edits) the update."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.outputs import CustomerUpdate
from core.models import ApprovalRequest, MeasurementKind, Role
from core.models.edits import apply_flat, check_edit
from core.store.ledger import enqueue_outbound
from graph.approval import ask_human, shown_proposal
from graph.context import WorkflowContext
from graph.keys import effect_key, step_id
from graph.record import log, measure
from graph.state import CaseState

STEP = "send_customer_update"


def _request(state: CaseState) -> ApprovalRequest:
    draft = CustomerUpdate.model_validate(state["customer_update"]).restored()
    return ApprovalRequest(
        action=STEP, case_id=state["case_id"], step=step_id(state, STEP),
        proposal={"subject": draft.subject, "body": draft.body, "source": draft.source,
                  "draft": {"source": draft.source, "note": draft.note, "fallbacks": []},
                  "next_actions": state.get("next_actions", {}).get("actions", []),
                  "suggestions": state.get("suggestions", [])},
        reasons=["customer-facing message", "seed 001: CSM review before outreach"],
        forced_by_rules=["POLICY-OUTREACH-APPROVAL"],
        assigned_role=Role(state["triage"]["owner_role"]), assigned_to=state["triage"]["owner"],
        evidence_refs=list(draft.citations),
    )


def approve_outreach(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    request = _request(state)
    decision = ask_human(request, ctx.engine)
    log(ctx, state, STEP, "decision", {"step": request.step, **decision.model_dump(mode="json")},
        actor=decision.actor)
    # The reviewer decided on what the inbox showed: the model's draft if it replaced the extractive one.
    shown = shown_proposal(ctx.engine, request)
    if decision.type in ("approve", "edit"):
        original = {"subject": shown["subject"], "body": shown["body"]}
        changes = check_edit(STEP, shown, decision.edited_payload) if decision.type == "edit" else {}
        approved = apply_flat(original, {k: v for k, v in changes.items() if k in original})
        update: CaseState = {"resolution_note": decision.comment or "", "resolved_at": ctx.clock().isoformat(),
                             "last_decision": decision.model_dump(mode="json")}
        if "next_actions" in changes:
            log(ctx, state, STEP, "next_actions_edited", {"original": shown["next_actions"],
                                                           "edited": changes["next_actions"]}, actor=decision.actor)
            update["next_actions"] = {**state.get("next_actions", {}), "actions": changes["next_actions"]}
        # The original proposal and what was approved are both kept on the timeline.
        log(ctx, state, STEP, "customer_update_approved",
            {"original": original, "source": shown.get("draft", {}).get("source", shown.get("source")),
             "approved": approved, "approved_by": decision.actor}, actor=decision.actor)
        enqueue_outbound(ctx.engine, effect_key(state, STEP, "outbound"), "customer_update",
                         {"account_id": state["account_id"], **approved}, ctx.clock(), case_id=state["case_id"])
        measure(ctx, state, STEP, MeasurementKind.action_taken, {"action": "customer_update"})
        return update
    if decision.type == "reject":
        log(ctx, state, STEP, "customer_update_rejected", {"comment": decision.comment}, actor=decision.actor)
        return {"resolution_note": decision.comment or "", "resolved_at": ctx.clock().isoformat(),
                "last_decision": decision.model_dump(mode="json")}
    return {"owner_note": decision.comment or "", "attempt": state.get("attempt", 0) + 1,
            "last_decision": decision.model_dump(mode="json")}
