"""The demo's Red cases: run through every phase with decisions the demo supplies, printing each step."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rich.markup import escape

from api.cli.common import console
from api.cli.demo_view import show_brief, show_case, show_suggestions
from core.ingest import ingest_objects
from core.models import OPEN_STATUSES, ApprovalDecision, RiskAssessment, TicketStatus
from core.store.approvals import list_approvals
from core.store.cases import get_escalation, read_timeline
from core.store.ledger import read_outbox
from core.store.records import account_tickets
from graph.model_drafts import apply_model_draft, model_configured
from graph.service import CaseService
from product.clock import Clock

# What the demo's resolver reports when the fix is confirmed (the outreach comment: the case's resolution note).
RESOLUTION = "Root cause fixed and verified with the customer's admin."


class InlineDrafts:
    """The demo's `DraftRequests`: it drafts each step it is about to decide inline (`_decide`), so the
    model never competes with the live loop for the CPU and every draft it shows is one it waited for."""

    def request(self, case_id: str, step: str) -> None:
        return None  # the draft is made in `_decide`, just before the demo's reviewer answers


def _draft_now(service: CaseService, case_id: str, step: str) -> None:
    if not model_configured(service.context) or not isinstance(service.context.drafts, InlineDrafts):
        return
    started = time.perf_counter()
    outcome = apply_model_draft(service.context, case_id, step)
    console.print(f"[dim]model draft for {step}: {outcome} ({time.perf_counter() - started:.0f} s)[/]")


def _decide(service: CaseService, case_id: str,
            answer: dict[str, Any] | Callable[[], dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Answer the pending step; `answer` may be computed from what the inbox shows once the draft is in."""
    (pending,) = list_approvals(service.context.engine, case_id=case_id)
    _draft_now(service, case_id, pending.step)
    (pending,) = list_approvals(service.context.engine, case_id=case_id)
    decision = answer() if callable(answer) else answer
    request = pending.request
    actor = request.assigned_to or "demo reviewer"
    console.print(f"[bold cyan]approval waiting[/]: {request.action} for {actor} ({request.assigned_role.value}); "
                  f"forced by {', '.join(request.forced_by_rules) or '-'}; the demo answers [bold]{decision['type']}[/]")
    service.decide(pending.id, ApprovalDecision(actor=actor, **decision))
    return request.action, request.proposal


def run_case(service: CaseService, clock: Clock, assessment: RiskAssessment, name: str) -> dict[str, float]:
    """One Red case end to end; returns timings of the model-facing steps."""
    console.rule(f"[bold red]Red case: {name} (score {assessment.score:.0f})")
    if service.context.model is not None and service.context.settings.llm_enabled:
        console.print("[dim]each step proposes an extractive draft at once; the model's drafts are jobs that "
                      "replace a proposal only if it is still undecided and passes the grounding checks[/]")
    started = time.perf_counter()
    case_id, _ = service.start_case(assessment)
    triage_s = time.perf_counter() - started
    state = service.state(case_id)
    show_brief(state["brief"])
    show_case(get_escalation(service.context.engine, case_id))

    _decide(service, case_id, {"type": "approve", "comment": "Brief checked against the tickets; I own this."})
    state = service.state(case_id)
    show_suggestions(state.get("suggestions", []), state.get("next_actions", {}).get("actions", []))
    started = time.perf_counter()
    _, proposal = _decide(service, case_id, lambda: {
        "type": "edit", "comment": RESOLUTION, "edited_payload": {"body": proposal_body(service, case_id)}})
    resolve_s = time.perf_counter() - started
    sent = [o for o in read_outbox(service.context.engine, kind="customer_update") if o["escalation_id"] == case_id]
    # The proposal decided on, not the state read before it: the model's draft may have replaced it since.
    source = proposal.get("source") or state["customer_update"]["source"]
    console.print(f"[bold]proposed update[/] ({source}): {escape(proposal['subject'])}\n"
                  f"{escape(proposal['body'])}")
    console.print(f"[bold green]approved update queued once[/] ({len(sent)} outbox row): "
                  f"{escape(sent[0]['payload']['body'])}")
    confirm_fix(service, clock, assessment.account_id)

    state = service.state(case_id)
    article = state["article"]
    console.print(f"[bold]knowledge article draft[/]: {escape(article['title'])}\n"
                  f"  problem: {escape(article['problem'])}\n  solution: {escape(article['solution'])}\n"
                  f"  provenance: {escape(', '.join(article['provenance']))}")
    _decide(service, case_id, lambda: article_decision(service, case_id))
    console.print(f"article captured into the knowledge base as {article['id']}; FCR watch for 48 h")
    clock.advance(49)
    service.tick()
    case = get_escalation(service.context.engine, case_id)
    console.print(f"case {case.phase.value}: outcome [bold]{case.outcome.value if case.outcome else '-'}[/]; "
                  f"{escape(case.deescalation_reason or '')}")
    console.print(f"timeline: {len(read_timeline(service.context.engine, case_id))} immutable entries")
    return {"triage_s": triage_s, "outreach_and_article_s": resolve_s}


def article_decision(service: CaseService, case_id: str) -> dict[str, Any]:
    """Approve the article, or, when no resolution evidence supports its solution (only edit/reject are
    allowed), write the solution the case recorded: the resolver's note."""
    (pending,) = list_approvals(service.context.engine, case_id=case_id)
    if "approve" in pending.request.allowed_decisions:
        return {"type": "approve"}
    solution = service.state(case_id).get("resolution_note") or RESOLUTION
    return {"type": "edit", "comment": "The solution is written from the case's resolution.",
            "edited_payload": {"article": {"solution": solution}}}


def proposal_body(service: CaseService, case_id: str) -> str:
    """The demo reviewer's edit: the drafted body plus a concrete commitment."""
    (pending,) = list_approvals(service.context.engine, case_id=case_id)
    body = pending.request.proposal["body"]
    return f"{body}\n\nI will call you tomorrow at 10:00 to confirm everything works on your side."


def confirm_fix(service: CaseService, clock: Clock, account_id: str) -> None:
    """The customer's side, played by the demo: the open tickets are solved and the customer confirms."""
    engine, at = service.context.engine, clock()
    events: list[dict[str, Any]] = []
    open_tickets = [t for t in account_tickets(engine, account_id) if t.status in OPEN_STATUSES]
    for n, ticket in enumerate(open_tickets):
        solved = ticket.model_copy(update={"status": TicketStatus.solved, "solved_at": at + timedelta(hours=1)})
        events.append({"event_id": f"demo:{ticket.id}:solved", "type": "ticket.upserted", "source": "demo",
                       "occurred_at": (at + timedelta(hours=1, minutes=n)).isoformat(),
                       "payload": solved.model_dump(mode="json")})
    if open_tickets:
        main = open_tickets[0]
        reply_at = (at + timedelta(hours=3)).isoformat()
        events.append({"event_id": f"demo:{main.id}:thanks", "type": "message.created", "source": "demo",
                       "occurred_at": reply_at,
                       "payload": {"id": f"{main.id}-demo-thanks", "ticket_id": main.id, "account_id": account_id,
                                   "author_side": "customer", "text": "Thank you, everything works again. "
                                   "Great to see the team jump on this so quickly.", "created_at": reply_at}})
        events.append({"event_id": f"demo:{main.id}:csat", "type": "csat.recorded", "source": "demo",
                       "occurred_at": reply_at,
                       "payload": {"id": f"{main.id}-demo-csat", "account_id": account_id, "ticket_id": main.id,
                                   "score": 5, "comment": "Fixed, thanks", "created_at": reply_at}})
    summary = ingest_objects(engine, events, source="demo")
    console.print(f"[dim]the customer's side (played by the demo): {len(open_tickets)} ticket(s) solved, "
                  f"a thank-you and a CSAT 5 ingested ({summary.inserted} events)[/]")
