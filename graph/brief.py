"""A fresh brief on demand: drafted from the case's current records and kept on its timeline.

The thread does not move; the brief the owner validated stays what it was.
"""

from __future__ import annotations

from agent.drafting import draft_brief
from agent.outputs import Brief
from core.models import TimelineEntry
from core.store.cases import append_timeline, get_escalation
from graph.case_context import build_case_context
from graph.context import WorkflowContext
from rules.detect import latest_assessment


class BriefUnavailable(Exception):
    """The case has nothing to brief from yet (no assessment, or no evidence)."""


def refresh_brief(ctx: WorkflowContext, case_id: str) -> Brief:
    """Draft the case's brief from what is stored now; raises CaseNotFound or BriefUnavailable."""
    case = get_escalation(ctx.engine, case_id)
    assessment = latest_assessment(ctx.engine, case.account_id)
    if assessment is None:
        raise BriefUnavailable(f"account {case.account_id} has no risk assessment yet; run detection first")
    now = ctx.clock()
    try:
        context = build_case_context(ctx, case.account_id, assessment, now)
    except ValueError as exc:  # a context without evidence cannot be briefed
        raise BriefUnavailable(f"case {case_id} has no evidence to brief from: {exc}") from None
    brief = draft_brief(context, ctx.model, ctx.settings, grounder=ctx.grounder)
    append_timeline(ctx.engine, TimelineEntry(escalation_id=case_id, at=now, kind="brief_refreshed",
                                              actor=f"system:{brief.source}",
                                              payload={"brief": brief.model_dump(mode="json")}))
    return brief
