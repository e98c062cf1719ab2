"""What an extractive brief quotes: the ticket that drives the risk and the sentences that carry content.

The driving ticket is the one whose records are the evidence of the strongest signals (contribution
points), with its priority as a weight: a P1 security ticket outranks a minor one. Within its messages,
a sentence scores for requests, errors, commitments and dates; greetings, self-introductions,
pleasantries and signatures are never chosen. Every quoted field is cut to about 20 words.
"""

from __future__ import annotations

import re

from agent.context import CaseContext, CaseMessage

MAX_WORDS = 20
PRIORITY_POINTS = {"p1": 40.0, "p2": 20.0, "p3": 5.0, "p4": 0.0}

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_SALUTATION = re.compile(r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings)\b[^,.!:\n]*[,.!:]?\s*",
                         re.I)
# A sign-off ("Kind regards, Martin Keller") is the sign-off word and at most a short name after it.
_SIGNOFF = re.compile(r"^\s*(thanks|thank you|many thanks|cheers|best|kind regards|regards|best regards|warm regards|"
                      r"sincerely)\b", re.I)
_NOISE = re.compile(
    r"\b(\w+ )?here,? (i|and i) (lead|run|manage|head|am)\b|^\s*(i am|i'm|this is) \w+( \w+)?,? (the |a )?\w+ (at|from|of)\b"
    r"|\bhope (you are|you're|this finds)\b|^\s*(sent from my|--)"
    r"|^\s*(i am|i'm|this is|my name is) \w+( \w+)?,",
    re.I,
)
_SIGNALS = (
    (3.0, re.compile(r"\b(please|need|needs|must|can you|could you|would you|asap|urgent(ly)?|require[sd]?|want|"
                     r"expect|escalat\w*|speak to|call)\b|\?", re.I)),
    (3.0, re.compile(r"\b(error|errors|fail\w*|broken|down|outage|time[sd]? ?out|crash\w*|cannot|can't|unable|not "
                     r"working|lost|breach\w*|vulnerab\w*|expos\w*|leak\w*|security|incident|blocked|"
                     r"\d{3} (error|status)|rejected|slow)\b", re.I)),
    (2.0, re.compile(r"\b(we will|we'll|i will|i'll|we are (going|working)|committed|promise|eta|deadline|fix(ed)?|"
                     r"patch\w*|deploy\w*|rolled? (out|back)|workaround|restor\w*|re-?issued)\b", re.I)),
    (2.0, re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(today|tomorrow|tonight|eod|end of (day|week|"
                     r"month))\b|\b\d{1,2}(:\d{2})? ?(am|pm|utc)\b|\b\d{4}-\d{2}-\d{2}\b|\b(jan|feb|mar|apr|may|jun|"
                     r"jul|aug|sep|oct|nov|dec)\w* \d{1,2}\b|\bwithin \d+", re.I)),
    (0.5, re.compile(r"\d")),
)


def is_noise(sentence: str) -> bool:
    """A greeting, a self-introduction, a pleasantry or a signature: never a brief's content."""
    return content(sentence) is None


def content(sentence: str) -> str | None:
    """The sentence without a leading salutation ("Hi Nina, ..."), or None if nothing but pleasantries is left."""
    rest = _SALUTATION.sub("", sentence, count=1).strip()
    signoff = _SIGNOFF.match(rest)
    if signoff and len(rest[signoff.end():].split()) <= 3:
        return None
    if len(rest.split()) < 3 or _NOISE.search(rest):
        return None
    return rest[0].upper() + rest[1:]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(" ".join(text.split(" "))) if s and s.strip()]


def content_score(sentence: str) -> float:
    """How much a sentence says: requests, errors, commitments, dates; 0 for noise."""
    rest = content(sentence)
    if rest is None:
        return 0.0
    return sum(weight for weight, pattern in _SIGNALS if pattern.search(rest))


def best_sentence(messages: list[CaseMessage], *, latest: bool = True) -> tuple[str, CaseMessage] | None:
    """The highest-scoring content sentence across messages; ties go to the later message (or the earlier
    with `latest=False`). None if all is noise."""
    best: tuple[float, int, str, CaseMessage] | None = None
    ordered = list(enumerate(messages)) if latest else [(-i, m) for i, m in enumerate(messages)]
    for order, m in ordered:
        for s in sentences(m.text):
            score = content_score(s)
            if score > 0 and (best is None or (score, order) >= best[:2]):
                best = (score, order, content(s) or s, m)
    return (best[2], best[3]) if best else None


def clip(text: str, words: int = MAX_WORDS) -> str:
    """At most `words` words, on one line, with an ellipsis when cut."""
    parts = text.split()
    return " ".join(parts) if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def driving_ticket(ctx: CaseContext) -> str | None:
    """The ticket whose records back the strongest signals, weighted by its priority."""
    by_message = {m.ref: m.ticket_id for m in ctx.messages if m.ticket_id}
    points: dict[str, float] = {}
    for signal in ctx.signals:
        tickets = set()
        for e in signal.evidence:
            tickets.add(e.record_id if e.record_type == "ticket" else by_message.get(e.ref))
        for ticket_id in tickets - {None}:
            points[ticket_id] = points.get(ticket_id, 0.0) + signal.contribution  # type: ignore[index]
    for ticket in ctx.tickets:
        if ticket.id in points or not points:
            points[ticket.id] = points.get(ticket.id, 0.0) + PRIORITY_POINTS.get(ticket.priority, 0.0)
    return max(points, key=lambda k: (points[k], k)) if points else None


def evidence_quotes(ctx: CaseContext, ticket_id: str | None) -> list[tuple[str, str]]:
    """(quote, ref) of signal evidence on the ticket (or all evidence without one), strongest signal first."""
    by_message = {m.ref: m.ticket_id for m in ctx.messages}
    out = []
    for signal in sorted(ctx.signals, key=lambda s: s.contribution, reverse=True):
        for e in signal.evidence:
            on_ticket = ticket_id is None or (e.record_type == "ticket" and e.record_id == ticket_id) \
                or by_message.get(e.ref) == ticket_id
            if e.quote and on_ticket and not is_noise(e.quote):
                out.append((e.quote, e.ref))
    return out
