"""fcr_watch: a same-issue follow-up within the window reopens the case; otherwise it moves to de-escalation."""

from __future__ import annotations

from datetime import datetime, timedelta

from langgraph.runtime import Runtime

from core.models import MeasurementKind, Phase
from core.store.cases import update_escalation
from graph.approval import wait_until
from graph.context import WorkflowContext
from graph.followup import find_followup
from graph.record import log, measure
from graph.state import CaseState

STEP = "fcr_watch"


def _case_text(state: CaseState) -> str:
    brief = state["brief"]
    return " ".join(brief[n]["text"] for n in ("intent", "escalation_reason", "status"))


def _case_tickets(state: CaseState) -> set[str]:
    return {ref.split(":", 1)[1] for s in state["assessment"].get("signals", []) for e in s["evidence"]
            for ref in [f"{e['record_type']}:{e['record_id']}"] if e["record_type"] == "ticket"}


def fcr_watch(state: CaseState, runtime: Runtime[WorkflowContext]) -> CaseState:
    ctx = runtime.context
    resolved_at = datetime.fromisoformat(state["resolved_at"])
    until = datetime.fromisoformat(state["watch_until"]) if state.get("watch_until") else (
        resolved_at + timedelta(hours=ctx.fcr_window_hours))
    followup = find_followup(ctx, state["account_id"], _case_text(state), _case_tickets(state), resolved_at, until)
    if followup is None and ctx.clock() < until:
        # Nothing has happened yet: pause until the scheduler's tick (no side effect before this point),
        # then look again in a fresh run of this node.
        wait_until(until.isoformat(), f"FCR window: a same-issue follow-up before {until.isoformat()} reopens")
        return {"watch_until": until.isoformat(), "fcr": "wait"}
    if followup is not None:
        log(ctx, state, STEP, "reopened", {"followup": f"message:{followup.id}", "at": followup.created_at.isoformat(),
                                           "quote": followup.text[:300]})
        measure(ctx, state, STEP, MeasurementKind.reopened, {"message": followup.id})
        update_escalation(ctx.engine, state["case_id"], ctx.clock(), phase=Phase.triage)
        return {"fcr": "reopen", "round": state.get("round", 0) + 1, "attempt": 0, "watch_until": "",
                "owner_note": f"Reopened: the customer followed up on the same issue ({followup.text[:200]})"}
    update_escalation(ctx.engine, state["case_id"], ctx.clock(), phase=Phase.fcr_watch)
    log(ctx, state, STEP, "fcr_held", {"window_end": until.isoformat()})
    measure(ctx, state, STEP, MeasurementKind.fcr, {"window_hours": ctx.fcr_window_hours})
    return {"watch_until": until.isoformat(), "fcr": "held"}
