"""Deterministic drafts built only from the (redacted) evidence: the fallback when no model answers.

Every statement quotes or names its evidence and cites it, so an extractive draft is always faithful.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from agent.brief_select import (
    MAX_WORDS,
    best_sentence,
    clip,
    content,
    driving_ticket,
    evidence_quotes,
    sentences,
)
from agent.context import CaseContext, CaseMessage, ResolutionEvidence, UpdateFacts
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


# The scorer's note on a signal's detail ("[strong; 1.00 x 18 pts x0.9 context]"): how it was weighed, not
# what happened; in a brief it read like an unfilled placeholder.
_SCORE_NOTE = re.compile(r"\s*\[[^\]]*\bpts\b[^\]]*\]")


def _signal_phrase(signal: RiskSignal) -> str:
    detail = _SCORE_NOTE.sub("", signal.detail).strip()
    # "kind: detail", as the case block lists a signal: the kind's own words ("engineering no update") and
    # the detail's ("With engineering 8 days") each read against the record that states them.
    kind = signal.kind.replace("_", " ")
    if detail.lower().startswith(kind.lower()):  # "compliance terms: compliance terms (security): ..."
        return clip(detail, 14)
    return kind + (f": {clip(first_sentence(detail, 200), 12)}" if detail else "")


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


# A field the record cannot fill says so and claims nothing: "no support reply" or "no reaction since" is
# true of the recent window, but no message it could cite says it (issue 13: every statement in the inbox
# must be borne out by what it cites).
NOT_KNOWN = "Not known from the record."


_COURTESY = re.compile(r"^(?:thanks|thank you|many thanks|sorry|apologies|we apologi[sz]e)\b[^,.!]*[,.!]?\s*", re.I)


def _reported(messages: list[CaseMessage]) -> tuple[str, CaseMessage] | None:
    """What support last reported doing: its best content sentence that is not a question ("Does that
    help?" asks, it reports nothing tried), else its best sentence."""
    stated = [m.model_copy(update={"text": " ".join(s for s in sentences(m.text) if not s.rstrip().endswith("?"))})
              for m in messages]
    found = best_sentence([m for m in stated if m.text.strip()]) or best_sentence(messages)
    if found is None:  # nothing scores ("I've passed your request to our privacy team."): its first content
        for m in reversed(messages):
            said = [c for c in map(content, sentences(m.text)) if c]
            # "Thanks for the details, Lucia." only thanks; "Thanks, I've passed your request to ..." says
            # what was done once its courtesy is cut.
            done = [rest for rest in (_COURTESY.sub("", c, count=1) for c in said) if len(rest.split()) >= 4]
            said = [rest[0].upper() + rest[1:] for rest in done] or said
            if said:
                return said[0], m
    return found


def _status(ctx: CaseContext, ticket_id: str | None, anchors: list[str]) -> Statement:
    """Risk band, the driving ticket's line and the renewal, citing the records that state them: the ticket's
    record for its line, a renewal signal's evidence for the renewal (left out when no evidence states it)."""
    parts, refs = [], []
    if ctx.band:
        parts.append(f"{ctx.band} risk" + (f" {ctx.score:.0f}" if ctx.score is not None else ""))
    ticket_line = _ticket_line(ctx, ticket_id)
    if ticket_line:
        parts.append(ticket_line)
        ticket_ref = f"ticket:{ticket_id}"
        if ticket_id and ticket_ref in ctx.allowed_refs:
            refs.append(ticket_ref)
    renewal = [s for s in top_signals(ctx, len(ctx.signals)) if "renew" in f"{s.kind} {s.detail}".lower()]
    if ctx.renewal_days is not None and renewal:
        parts.append(f"renewal in {ctx.renewal_days} days")  # the case header's own words
        refs.append(renewal[0].evidence[0].ref)
    refs = list(dict.fromkeys(refs)) or anchors[:2]
    return Statement(text=clip(("; ".join(parts) or "Open Red case") + "."), citations=refs)


def extractive_brief(ctx: CaseContext, redactions: dict[str, str], note: str) -> Brief:
    """Five cited fields from the ticket that drives the risk, quoting only sentences that carry content.
    Each says who wrote what it quotes ("Customer:", "Support:") and nothing the quote does not; a field
    the record cannot fill is "not known from the record"."""
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
                           if ctx.signals else NOT_KNOWN, citations=anchors[:1])
    last_support = support[-1] if support else None
    tried = _said("Support", _reported(support[-2:])) if support else None
    if tried is None:
        # No support message on the ticket: a missed SLA is the record of what was (not) done, in its words.
        breaches = [(q, ref) for q, ref in evidence_quotes(ctx, ticket_id) if ref.startswith("sla_event:")]
        tried = (Statement(text=f'SLA event: "{clip(breaches[0][0], MAX_WORDS - 2)}"', citations=[breaches[0][1]])
                 if breaches else Statement(text=NOT_KNOWN, citations=anchors[:1]))
    intent_refs = set(intent.citations)
    if last_support is not None:
        later = [m for m in customer if m.at > last_support.at]
    else:  # nothing tried: what the customer said after the ask
        later = [m for m in customer if m.ref not in intent_refs]
    results = _said("Customer", best_sentence(later[-2:])) if later else None
    # No customer message after support's last one: the absence is not something a message can show.
    results = results or Statement(text=NOT_KNOWN, citations=[last_support.ref] if last_support else anchors[:1])
    status = _status(ctx, ticket_id, anchors)
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


def _update_topic(ctx: CaseContext, facts: UpdateFacts) -> str:
    if facts.topic:
        return f"your request about {facts.topic}" if len(facts.topic) < 90 else "your open request"
    return "your open request"


def greeting(facts: UpdateFacts) -> str:
    first = facts.contact_name.split()[0] if facts.contact_name and facts.contact_name.split() else ""
    return f"Hello {first}," if first else "Hello,"


def next_update_sentence(facts: UpdateFacts) -> str:
    if facts.next_update_at is None:
        return "We will keep you updated on every step."
    at = facts.next_update_at.astimezone(UTC)
    return f"You will hear from us again by {at:%H:%M} UTC on {at:%A} {at.day} {at:%B}."


def signature(facts: UpdateFacts) -> str:
    if not facts.owner_name:
        return "Kind regards,\nThe support team"
    title = f"\n{facts.owner_title}" if facts.owner_title else ""
    return f"Kind regards,\n{facts.owner_name}{title}"


def update_subject(facts: UpdateFacts) -> str:
    refs = f" ({', '.join(facts.ticket_refs[:2])})" if facts.ticket_refs else ""
    topic = first_sentence(facts.topic, 60) if facts.topic else "your open support request"
    return f"Update on {topic}{refs}"


def compose_update(facts: UpdateFacts, middle: str) -> str:
    """The sendable body: greeting, the drafted middle, the next-update time, the owner's signature."""
    owner = ""
    if facts.owner_name:
        role = f", {facts.owner_title}" if facts.owner_title else ""
        owner = f" I am {facts.owner_name}{role}, and I now own this case personally."
    return f"{greeting(facts)}\n\n{middle.strip()}{owner} {next_update_sentence(facts)}\n\n{signature(facts)}"


def fixed_update_phrases(facts: UpdateFacts) -> list[str]:
    """The parts of an update the code writes from the record (exempt from the promise checks)."""
    return [greeting(facts), next_update_sentence(facts), signature(facts), update_subject(facts)]


def _who_works_on_it(ctx: CaseContext) -> str:
    """Engineering is named only when the record shows it on the case (a ticket with engineering, an
    engineering signal or reply): the update says nothing the record does not."""
    record = " ".join([ctx.tickets_summary, *(s.kind for s in ctx.signals),
                       *(m.text for m in ctx.messages if m.side != AuthorSide.customer)]).lower()
    if "engineering" in record:
        return "Our support and engineering teams are working on it together."
    return "Our support team is working on it."


def extractive_customer_update(
    ctx: CaseContext, redactions: dict[str, str], note: str, facts: UpdateFacts | None = None
) -> CustomerUpdate:
    facts = facts or UpdateFacts()
    customer = _customer(ctx)
    cited = [customer[-1].ref] if customer else _anchor_refs(ctx)[:1]
    tickets = f" ({', '.join(facts.ticket_refs[:3])})" if facts.ticket_refs else ""
    middle = (
        f"Thank you for your patience on {_update_topic(ctx, facts)}{tickets}, and we are sorry this has taken "
        f"longer than it should. {_who_works_on_it(ctx)}"
    )
    return CustomerUpdate(
        source="extractive", note=note, redactions=redactions, subject=update_subject(facts),
        body=compose_update(facts, middle), citations=cited,
    )


_SALUTATION = re.compile(r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^,.!\n]*[,.!:]\s*", re.I)
_SUBJECT = re.compile(r"'([^']+)'")


def content_sentence(text: str, limit: int) -> str:
    """The first sentence after any salutation ("Hi Nina, ...")."""
    stripped = _SALUTATION.sub("", text, count=1).strip()
    return first_sentence(stripped or text, limit)


SOLUTION_UNKNOWN = ("Unknown: the case records no reply or event that solved it. "
                    "Write what fixed it before publishing.")


def extractive_knowledge(ctx: CaseContext, resolution: list[ResolutionEvidence], note: str) -> KnowledgeDraft:
    """The article from the record; its solution is the resolution evidence verbatim, or says it is unknown."""
    customer = _customer(ctx)
    # The problem is what the customer said at most length, not whoever wrote first or last.
    problem_msg = max(customer, key=lambda m: len(_SALUTATION.sub("", m.text)), default=None) or (
        ctx.messages[0] if ctx.messages else None)
    problem = content_sentence(problem_msg.text, 300) if problem_msg else _signal_phrase(top_signals(ctx)[0])
    solution = " ".join(content_sentence(r.text, 400) for r in resolution[:2]) if resolution else SOLUTION_UNKNOWN
    refs = ([problem_msg.ref] if problem_msg else []) + [r.ref for r in resolution[:2]] or _anchor_refs(ctx)
    tags = list(dict.fromkeys(s.kind.lower().replace(" ", "_") for s in ctx.signals))[:5]
    subjects = _SUBJECT.findall(ctx.tickets_summary)
    title = subjects[0] if subjects else first_sentence(problem, 80)
    return KnowledgeDraft(
        source="extractive", note=note, title=first_sentence(title, 80),
        problem=problem, solution=solution[:2000], tags=tags, citations=list(dict.fromkeys(refs)),
    )


_FIX_WORDS = re.compile(
    r"\b(?:fix(?:ed)?|resolved|deployed|rolled (?:out|back)|restored|rotated|re-?uploaded|cleared|patched|"
    r"corrected|reissued|re-?enabled|reset|replaced|workaround|released|recovered|increased|raised the|"
    r"changed the|updated the|whitelisted|allowlisted|unblocked|refreshed|re-?synced|backfilled)\b", re.I)


def find_resolution(ctx: CaseContext, since: datetime | None = None) -> list[ResolutionEvidence]:
    """The support reply that solved the case: the latest agent message (after `since`) that reports a fix."""
    replies = [m for m in ctx.messages if m.side == AuthorSide.agent and (since is None or m.at >= since)]
    for message in reversed(replies):
        if _FIX_WORDS.search(message.text):
            return [ResolutionEvidence(ref=message.ref, text=message.text)]
    return []
