"""Assemble what the drafting functions may see about a case, from the store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from agent.context import CaseContext, CaseTicket, ResolutionEvidence, UpdateFacts
from agent.extractive import find_resolution
from core.models import AuthorSide, Role, TicketStatus
from core.store.records import account_contacts, account_messages, account_tickets, get_account
from graph.context import WorkflowContext
from graph.roster import ROLE_TITLES

if TYPE_CHECKING:
    from core.models import RiskAssessment

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


def update_facts(ctx: WorkflowContext, account_id: str, owner: str | None, owner_role: str | None,
                 sla_due: dict[str, datetime], now: datetime) -> UpdateFacts:
    """What a customer update is filled from: the contact who wrote last, the owner, tickets, next update due."""
    contacts = {c.id: c for c in account_contacts(ctx.engine, account_id)}
    writers = [m.author_id for m in account_messages(ctx.engine, account_id, until=now, limit=20)
               if m.author_side == AuthorSide.customer and m.author_id in contacts]
    contact = contacts[writers[-1]] if writers else next(iter(contacts.values()), None)
    tickets = [t for t in account_tickets(ctx.engine, account_id) if t.status in _OPEN]
    main = min(tickets, key=lambda t: (t.priority.value, -t.created_at.timestamp()), default=None)  # p1 first
    due = [at for metric in ("next_update", "first_response") if (at := sla_due.get(metric)) and at > now]
    return UpdateFacts(
        contact_name=contact.name if contact else None, owner_name=owner,
        owner_title=ROLE_TITLES.get(Role(owner_role)) if owner_role else None,
        ticket_refs=[f"#{t.id}" for t in tickets[-3:]], topic=main.subject if main else "",
        next_update_at=due[0] if due else None,
    )


def resolution_evidence(case: CaseContext, note: str, note_ref: str, since: datetime | None) -> list[ResolutionEvidence]:
    """What solved the case: the resolver's own note, and the support reply that reports the fix."""
    found = [ResolutionEvidence(ref=note_ref, text=note.strip())] if note.strip() else []
    return found + find_resolution(case, since)
