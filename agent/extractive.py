"""Deterministic drafts built only from the (redacted) evidence: the fallback when no model answers.

Every statement quotes or names its evidence and cites it, so an extractive draft is always faithful.
"""

from __future__ import annotations

import re

from agent.brief_select import MAX_WORDS, best_sentence, clip, driving_ticket, evidence_quotes
from agent.context import CaseContext, CaseMessage
from agent.outputs import Brief, CustomerUpdate, KnowledgeDraft, NextAction, NextActions, Statement
from core.models import AuthorSide, RiskSignal, Role

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentence(text: str, limit: int = 140) -> str:
    """The first sentence of `text` on one line, cut at `limit` characters."""
    flat = " ".join(text.split())
    sentence = _SENTENCE_END.split(flat, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _customer(ctx: CaseContext) -> list[CaseMessage]:
    return [m for m in ctx.messages if m.side == AuthorSide.customer]


def _support(ctx: CaseContext) -> list[CaseMessage]:
    return [m for m in ctx.messages if m.side != AuthorSide.customer]


def top_signals(ctx: CaseContext, n: int = 3) -> list[RiskSignal]:
    return sorted(ctx.signals, key=lambda s: s.contribution, reverse=True)[:n]


def _anchor_refs(ctx: CaseContext) -> list[str]:
    """The strongest evidence: the top signals' first evidence, else the latest message."""
    refs = [s.evidence[0].ref for s in top_signals(ctx)]
    return refs or [ctx.messages[-1].ref]


def _signal_phrase(signal: RiskSignal) -> str:
    return f"{signal.kind.replace('_', ' ')}" + (f" ({first_sentence(signal.detail, 80)})" if signal.detail else "")


def _ticket_line(ctx: CaseContext, ticket_id: str | None) -> str:
    """The tickets summary's line for one ticket ("P1 open 'SSO fails'"), or its first line."""
    parts = [p.strip() for p in ctx.tickets_summary.split(";") if p.strip()]
    for part in parts:
        if ticket_id and part.startswith(f"ticket:{ticket_id} "):
            return part.split(" ", 1)[1]
    return parts[0].split(" ", 1)[1] if parts and parts[0].startswith("ticket:") else (parts[0] if parts else "")


def _said(prefix: str, found: tuple[str, CaseMessage] | None) -> Statement | None:
    if not found:
        return None
    sentence, message = found
    return Statement(text=f'{prefix}: "{clip(sentence, MAX_WORDS - len(prefix.split()))}"', citations=[message.ref])


def extractive_brief(ctx: CaseContext, redactions: dict[str, str], note: str) -> Brief:
    """Five cited fields from the ticket that drives the risk, quoting only sentences that carry content."""
    anchors = _anchor_refs(ctx)
    ticket_id = driving_ticket(ctx)
    on_ticket = [m for m in ctx.messages if ticket_id is None or m.ticket_id in (ticket_id, None)] or ctx.messages
    customer = [m for m in on_ticket if m.side == AuthorSide.customer]
    support = [m for m in on_ticket if m.side != AuthorSide.customer]
    quotes = evidence_quotes(ctx, ticket_id)
    # The ask is what the customer first wanted (before support answered); what they said later is "results".
    first_reply = support[0].at if support else None
    asked = [m for m in customer if first_reply is None or m.at < first_reply] or customer
    intent = _said("Customer asks", best_sentence(asked, latest=False))
    if intent is None and quotes:
        intent = Statement(text=f'Customer: "{clip(quotes[0][0], MAX_WORDS - 1)}"', citations=[quotes[0][1]])
    if intent is None:
        intent = Statement(text=clip(f"Risk raised by {_signal_phrase(top_signals(ctx)[0])}.")
                           if ctx.signals else "No customer request on record.", citations=anchors[:1])
    last_support = support[-1] if support else None
    tried = _said("Latest support action", best_sentence(support[-2:])) if support else None
    tried = tried or Statement(text="No support reply is on record in the recent messages.", citations=anchors[:1])
    later = [m for m in customer if last_support is None or m.at > last_support.at]
    results = _said("Customer since", best_sentence(later[-2:])) if last_support and later else None
    if results is None:
        results = Statement(text="No customer reaction since the last support action." if customer
                            else "No customer message in the recent window.",
                            citations=[customer[-1].ref] if customer else anchors[:1])
    parts = []
    if ctx.band:
        parts.append(f"{ctx.band} risk" + (f" {ctx.score:.0f}" if ctx.score is not None else ""))
    ticket_line = _ticket_line(ctx, ticket_id)
    if ticket_line:
        parts.append(ticket_line)
    if ctx.renewal_days is not None:
        parts.append(f"renews in {ctx.renewal_days} days")
    status = Statement(text=clip(("; ".join(parts) or "Open Red case") + "."), citations=anchors[:2])
    signals = top_signals(ctx)
    if signals:
        reason = Statement(text=clip("; ".join(_signal_phrase(s) for s in signals) + "."),
                           citations=list(dict.fromkeys(s.evidence[0].ref for s in signals)))
    else:
        reason = Statement(text="Customer messages show escalation risk.", citations=[ctx.messages[-1].ref])
    return Brief(
        source="extractive", note=note, redactions=redactions,
        intent=intent, tried=tried, results=results, status=status, escalation_reason=reason,
    )


# Signal kind keywords -> (owner role, action, rationale). First match wins; order is priority.
_PLAYBOOK: tuple[tuple[tuple[str, ...], Role, str, str], ...] = (
    (("compliance", "legal", "gdpr", "security", "breach_notice", "lawsuit"), Role.compliance,
     "Route the case to compliance before any customer reply", "Compliance or legal terms were detected"),
    (("sla",), Role.support_t2, "Assign one owner and send a dated next update",
     "The SLA is breached or about to be"),
    (("engineering",), Role.engineering, "Get an engineering status and share it with the customer",
     "Engineering owns the issue without a recent customer update"),
    (("reopen", "repeat"), Role.support_t3, "Escalate to T3 for root cause",
     "The fix did not hold: the issue came back"),
    (("usage", "adoption"), Role.csm, "CSM call to review adoption and blockers", "Product usage is dropping"),
    (("renewal",), Role.ae, "Align with the AE on the renewal risk", "Renewal is close with issues open"),
    (("silence", "stakeholder", "champion"), Role.csm, "Re-engage the executive sponsor",
     "Key stakeholders have gone quiet"),
    (("sentiment", "tone", "escalation", "intensity", "csat", "frustration"), Role.csm,
     "CSM reaches out personally to acknowledge the frustration", "Customer messages are negative"),
)


def extractive_next_actions(ctx: CaseContext, redactions: dict[str, str], note: str) -> NextActions:
    actions: dict[str, NextAction] = {}
    for signal in sorted(ctx.signals, key=lambda s: s.contribution, reverse=True):
        key = f"{signal.kind} {signal.rule_id}".lower()
        for words, role, action, rationale in _PLAYBOOK:
            if any(w in key for w in words):
                if action not in actions:
                    actions[action] = NextAction(
                        action=action, owner_role=role, rationale=rationale, citations=[signal.evidence[0].ref]
                    )
                break
    if not actions:
        action = "CSM reaches out to the customer with a status update"
        actions[action] = NextAction(
            action=action, owner_role=Role.csm, rationale="The account is at risk", citations=_anchor_refs(ctx)[:1]
        )
    return NextActions(source="extractive", note=note, redactions=redactions, actions=list(actions.values())[:3])


def extractive_customer_update(ctx: CaseContext, redactions: dict[str, str], note: str) -> CustomerUpdate:
    customer = _customer(ctx)
    cited = [customer[-1].ref] if customer else _anchor_refs(ctx)[:1]
    # The subject names the ticket that drives the risk by its own subject, not by its summary line.
    line = _ticket_line(ctx, driving_ticket(ctx))
    quoted = _SUBJECT.findall(line)
    topic = first_sentence(quoted[0] if quoted else line, 80) if line else ""
    body = (
        "Hello,\n\nThank you for your patience, and we are sorry this has taken longer than it should. "
        "We have assigned a dedicated owner who is coordinating our support and engineering teams on your issue, "
        "and they will follow up with you directly with the next update.\n\nKind regards,\nThe support team"
    )
    return CustomerUpdate(
        source="extractive", note=note, redactions=redactions,
        subject=f"Update on {topic}" if topic else "Update on your open support request", body=body, citations=cited,
    )


_SALUTATION = re.compile(r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^,.!\n]*[,.!:]\s*", re.I)
_SUBJECT = re.compile(r"'([^']+)'")


def content_sentence(text: str, limit: int) -> str:
    """The first sentence after any salutation ("Hi Nina, ...")."""
    stripped = _SALUTATION.sub("", text, count=1).strip()
    return first_sentence(stripped or text, limit)


def extractive_knowledge(ctx: CaseContext, resolution_note: str, note: str) -> KnowledgeDraft:
    customer, support = _customer(ctx), _support(ctx)
    # The problem is what the customer said at most length, not whoever wrote first or last.
    problem_msg = max(customer, key=lambda m: len(_SALUTATION.sub("", m.text)), default=None) or (
        ctx.messages[0] if ctx.messages else None)
    problem = content_sentence(problem_msg.text, 300) if problem_msg else _signal_phrase(top_signals(ctx)[0])
    if resolution_note:
        solution = first_sentence(resolution_note, 400)
    elif support:
        solution = content_sentence(support[-1].text, 400)
    else:
        solution = "See the case timeline."
    refs = [m.ref for m in (problem_msg, support[-1] if support else None) if m is not None] or _anchor_refs(ctx)
    tags = list(dict.fromkeys(s.kind.lower().replace(" ", "_") for s in ctx.signals))[:5]
    subjects = _SUBJECT.findall(ctx.tickets_summary)
    title = subjects[0] if subjects else first_sentence(problem, 80)
    return KnowledgeDraft(
        source="extractive", note=note, title=first_sentence(title, 80),
        problem=problem, solution=solution, tags=tags, citations=list(dict.fromkeys(refs)),
    )
