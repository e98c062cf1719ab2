"""Writing a case's history from nodes: keyed, so a node that re-runs writes nothing twice."""

from __future__ import annotations

from typing import Any

from core.models import MeasurementEvent, MeasurementKind, TimelineEntry
from core.store.cases import append_timeline
from core.store.ledger import record_measurement
from graph.context import WorkflowContext
from graph.keys import effect_key
from graph.state import CaseState


def log(ctx: WorkflowContext, state: CaseState, step: str, kind: str, payload: dict[str, Any],
        actor: str = "system:workflow") -> bool:
    """Append one timeline entry for this case step (once)."""
    entry = TimelineEntry(escalation_id=state["case_id"], at=ctx.clock(), kind=kind, actor=actor, payload=payload)
    return append_timeline(ctx.engine, entry, idem_key=effect_key(state, step, kind))


def measure(ctx: WorkflowContext, state: CaseState, step: str, kind: MeasurementKind,
            detail: dict[str, Any] | None = None) -> bool:
    """Record a measurement event for this case step (once)."""
    event = MeasurementEvent(kind=kind, account_id=state["account_id"], escalation_id=state["case_id"],
                             at=ctx.clock(), detail=detail or {})
    return record_measurement(ctx.engine, event, idem_key=effect_key(state, step, f"measure:{kind.value}"))
