"""detect: attach the assessment that made the account Red and record the case as opened."""

from __future__ import annotations

from langgraph.runtime import Runtime

from core.models import Phase
from core.store.cases import update_escalation
from graph.context import WorkflowContext
from graph.record import log
from graph.state import CaseState


def detect(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    assessment = state["assessment"]
    log(ctx, state, "detect", "opened", {
        "score": assessment["score"], "band": assessment["band"], "confidence": assessment["confidence"],
        "triggered_rules": assessment.get("triggered_rules", []),
        "ruleset_version": assessment.get("ruleset_version"),
        "signals": [{"kind": s["kind"], "rule_id": s["rule_id"], "points": round(s["weight"] * s["value"], 2),
                     "evidence": [f"{e['record_type']}:{e['record_id']}" for e in s["evidence"]]}
                    for s in assessment.get("signals", [])],
    }, actor="system:detect")
    update_escalation(ctx.engine, state["case_id"], ctx.clock(), phase=Phase.triage)
    return {"round": state.get("round", 0), "attempt": state.get("attempt", 0)}
