"""Assemble what the drafting functions may see about a case, from the store."""

from __future__ import annotations

from datetime import datetime

from agent.context import CaseContext
from core.models import RiskAssessment, TicketStatus
from core.store.records import account_messages, account_tickets, get_account
from graph.context import WorkflowContext


def tickets_summary(ctx: WorkflowContext, account_id: str, limit: int = 5) -> str:
    open_statuses = {TicketStatus.new, TicketStatus.open, TicketStatus.pending, TicketStatus.on_hold}
    tickets = [t for t in account_tickets(ctx.engine, account_id) if t.status in open_statuses][-limit:]
    return "; ".join(f"ticket:{t.id} {t.priority.value.upper()} {t.status.value} '{t.subject}'"
                     + (f" (engineering: {t.engineering_owner})" if t.engineering_owner else "") for t in tickets)


def build_case_context(ctx: WorkflowContext, account_id: str, assessment: RiskAssessment, now: datetime,
                       note: str = "") -> CaseContext:
    account = get_account(ctx.engine, account_id)
    messages = account_messages(ctx.engine, account_id, until=now, limit=8)
    summary = tickets_summary(ctx, account_id)
    if note:
        summary = f"{summary}\nOwner note: {note}" if summary else f"Owner note: {note}"
    return CaseContext.from_records(account, assessment, messages, now=now, tickets_summary=summary)


def case_text(case: CaseContext) -> str:
    """All the case's words, for topic and compliance matching."""
    return "\n".join([case.tickets_summary] + [m.text for m in case.messages]
                     + [e.quote for s in case.signals for e in s.evidence])
