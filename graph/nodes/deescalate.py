"""deescalate: return the account to normal support when the exit criteria hold, with the reason logged."""

from __future__ import annotations

from datetime import datetime, timedelta

from langgraph.runtime import Runtime

from core.models import Band, MeasurementKind, Outcome, RiskAssessment
from core.store.cases import close_escalation
from core.store.records import get_account
from graph.context import WorkflowContext
from graph.record import log, measure
from graph.state import CaseState

STEP = "deescalate"


def deescalate(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    now = ctx.clock()
    fresh = ctx.assess(state["account_id"]) if ctx.assess else RiskAssessment.model_validate(state["assessment"])
    hours = (now - datetime.fromisoformat(state["resolved_at"])).total_seconds() / 3600
    exit_decision = ctx.policy.exit(fresh, get_account(ctx.engine, state["account_id"]), followed_up=False,
                                    hours_since_resolution=hours)
    rounds = state.get("watch_rounds", 0)
    if not exit_decision.ok and rounds + 1 < ctx.max_watch_rounds:
        log(ctx, state, f"{STEP}{rounds}", "exit_criteria_unmet", {"unmet": exit_decision.unmet,
                                                                   "score": fresh.score, "band": fresh.band.value})
        return {"watch_rounds": rounds + 1, "watch_until": (now + timedelta(hours=ctx.fcr_window_hours)).isoformat(),
                "outcome": ""}
    if exit_decision.ok:
        saved = state["assessment"]["band"] == Band.red.value and fresh.band != Band.red
        outcome = Outcome.saved if saved else Outcome.resolved
        reason = (f"exit criteria met ({', '.join(exit_decision.fired) or 'all'}); "
                  f"score {state['assessment']['score']:.0f} -> {fresh.score:.0f}")
        if saved:
            measure(ctx, state, STEP, MeasurementKind.saved, {"score_before": state["assessment"]["score"],
                                                              "score_after": fresh.score})
    else:
        outcome = Outcome.resolved
        reason = f"handed back to normal support after {rounds + 1} watch windows; unmet: {'; '.join(exit_decision.unmet)}"
        measure(ctx, state, STEP, MeasurementKind.unresolved, {"unmet": exit_decision.unmet})
    close_escalation(ctx.engine, state["case_id"], now, outcome, reason)
    log(ctx, state, STEP, "closed", {"outcome": outcome.value, "reason": reason, "score_now": fresh.score})
    return {"outcome": outcome.value, "reason": reason}
