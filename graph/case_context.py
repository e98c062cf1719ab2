"""Assemble what the drafting functions may see about a case, from the store."""

from __future__ import annotations

from datetime import datetime

from agent.context import CaseContext, CaseTicket
from core.models import RiskAssessment, TicketStatus
from core.store.records import account_messages, account_tickets, get_account
from graph.context import WorkflowContext

_OPEN = {TicketStatus.new, TicketStatus.open, TicketStatus.pending, TicketStatus.on_hold}


def open_tickets(ctx: WorkflowContext, account_id: str, limit: int = 20) -> list[CaseTicket]:
    """The account's open tickets (id, priority, status), for picking the ticket that drives the risk."""
    tickets = [t for t in account_tickets(ctx.engine, account_id) if t.status in _OPEN][-limit:]
    return [CaseTicket(id=t.id, priority=t.priority.value, status=t.status.value) for t in tickets]


def tickets_summary(ctx: WorkflowContext, account_id: str, limit: int = 5) -> str:
    tickets = [t for t in account_tickets(ctx.engine, account_id) if t.status in _OPEN][-limit:]
    return "; ".join(f"ticket:{t.id} {t.priority.value.upper()} {t.status.value} '{t.subject}'"
                     + (f" (engineering: {t.engineering_owner})" if t.engineering_owner else "") for t in tickets)


def build_case_context(ctx: WorkflowContext, account_id: str, assessment: RiskAssessment, now: datetime,
                       note: str = "") -> CaseContext:
    account = get_account(ctx.engine, account_id)
    messages = account_messages(ctx.engine, account_id, until=now, limit=8)
    summary = tickets_summary(ctx, account_id)
    if note:
        summary = f"{summary}\nOwner note: {note}" if summary else f"Owner note: {note}"
    return CaseContext.from_records(account, assessment, messages, now=now, tickets_summary=summary,
                                    tickets=open_tickets(ctx, account_id))


def case_text(case: CaseContext) -> str:
    """All the case's words, for topic and compliance matching."""
    return "\n".join([case.tickets_summary] + [m.text for m in case.messages]
                     + [e.quote for s in case.signals for e in s.evidence])
