"""Bounded per-account state, updated one event at a time in occurred_at order.

Every collection is capped (deque maxlen, LRU of tickets) and pruned by time, so the cost of an event
and the size of the state do not grow with history. Times are epoch seconds (UTC) to keep the state
cheap to update and to serialise.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from rules.signals.ports import ComplianceMatch, Reading
from rules.signals.similarity import similarity, sketch
from rules.thresholds import Thresholds

DAY = 86_400.0
HOUR = 3_600.0
QUOTE_CONTEXT = 80
OPEN = frozenset({"new", "open", "pending", "on_hold"})


def quote_around(text: str, start: int, end: int, context: int = QUOTE_CONTEXT) -> tuple[str, int, int]:
    """A snippet around [start, end) and its offsets in the text (so quote == text[s:e])."""
    s, e = max(0, start - context), min(len(text), end + context)
    return text[s:e], s, e


def head(text: str, limit: int = 240) -> str:
    return text[:limit]


@lru_cache(maxsize=16)
def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Plain-Python matcher for escalation phrases, whole words, any whitespace between words."""
    parts = sorted((r"\s+".join(re.escape(w) for w in p.split()) for p in phrases if p.strip()), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


@dataclass
class TicketState:
    subject: str
    priority: str
    status: str
    created: float
    contact_id: str | None
    assignee: str | None
    reopen_count: int = 0
    handoffs: int = 0
    eng_owner: str | None = None
    eng_since: float | None = None
    last_reply: float | None = None
    last_reply_id: str | None = None
    sketch: list[int] = field(default_factory=list)
    sketched_message: bool = False
    updated: float = 0.0
    updates: int = 0  # ticket.upserted events seen for this ticket (how much it is being worked)
    sla: dict[str, list[Any]] = field(default_factory=dict)  # metric -> [status, due, at, sla_id]


def _dq(limit: int, items: Any = ()) -> deque[Any]:
    return deque((tuple(i) if isinstance(i, list) else i for i in items), maxlen=limit)


@dataclass
class AccountWindow:
    """Everything detection remembers about one account, bounded by `Thresholds.limits`."""

    account_id: str
    th: Thresholds
    account: dict[str, Any] | None = None
    contacts: dict[str, list[Any]] = field(default_factory=dict)  # id -> [is_key, name]
    tickets: OrderedDict[str, TicketState] = field(default_factory=OrderedDict)
    messages: deque[tuple[Any, ...]] = field(init=False)  # (id, ticket, at, label, polarity, intensity, ambiguous, quote, reader)
    escalations: deque[tuple[Any, ...]] = field(init=False)  # (msg, at, phrase, s, e, quote, ticket)
    compliance: deque[tuple[Any, ...]] = field(init=False)  # (msg, at, rule_id, category, term, s, e, quote, ticket)
    # compliance concerns proposed by meaning, for review only: (msg, at, confidence, s, e, quote, ticket)
    compliance_review: deque[tuple[Any, ...]] = field(init=False)
    pricing: deque[tuple[Any, ...]] = field(init=False)  # (msg, at, term, ticket)
    new_tickets: deque[tuple[Any, ...]] = field(init=False)  # (ticket, at, contact)
    repeats: deque[tuple[Any, ...]] = field(init=False)  # (ticket, earlier_ticket, at, sim, subject)
    density: deque[tuple[Any, ...]] = field(init=False)  # (ticket, at, [(ticket, at, contact), ...])
    low_csat: deque[tuple[Any, ...]] = field(init=False)  # (csat, ticket, at, score, comment)
    csat_followups: deque[tuple[Any, ...]] = field(init=False)  # (csat, new_ticket, at, score, subject)
    usage: deque[tuple[Any, ...]] = field(init=False)  # (id, week_start, active, sessions, adoption, at)
    breaches: deque[tuple[Any, ...]] = field(init=False)  # (sla, ticket, metric, due, at)
    reopens: deque[tuple[Any, ...]] = field(init=False)  # (ticket, at, count, subject)
    handoffs: deque[tuple[Any, ...]] = field(init=False)  # (ticket, at, from, to)
    stakeholder: deque[tuple[Any, ...]] = field(init=False)  # (record_type, id, at, quote)
    last_customer: tuple[Any, ...] | None = None  # (at, message_id, quote)
    first_seen: float | None = None
    events: int = 0
    watermark: float = 0.0
    recent_ids: deque[str] = field(init=False)
    red_starts: deque[float] = field(init=False)  # when each Red episode began (prior_red_cases)
    red_until: float = 0.0  # the last assessment time that was Red

    def __post_init__(self) -> None:
        lim = self.th.limits
        self.messages = _dq(lim.recent_messages)
        for name in ("escalations", "compliance", "compliance_review", "pricing", "repeats", "density", "low_csat", "csat_followups", "breaches", "reopens",
                     "handoffs", "stakeholder"):
            setattr(self, name, _dq(lim.hits))
        self.new_tickets = _dq(lim.new_tickets)
        self.usage = _dq(lim.usage_weeks)
        self.recent_ids = _dq(lim.recent_event_ids)
        self.red_starts = _dq(lim.hits)

    def live(self, at: float, ticket_id: str | None, now: float) -> bool:
        """Does a record still count at `now`? Recent ones do; so do older ones on a ticket still open."""
        if at > now:
            return False
        if at >= now - self.th.lookback_days * DAY:
            return True
        if at < now - self.th.open_ticket_memory_days * DAY or ticket_id is None:
            return False
        ticket = self.tickets.get(ticket_id)
        return ticket is not None and ticket.status in OPEN

    def mark_red(self, at: float) -> None:
        """Record a Red assessment; a Red more than a day after the previous one starts a new episode."""
        if not self.red_starts or at - self.red_until > DAY:
            self.red_starts.append(at)
        self.red_until = max(self.red_until, at)

    def red_cases(self, now: float, days: float = 365.0) -> int:
        """Red episodes that began in the last `days` before `now` (the current episode excluded)."""
        current = self.red_starts[-1] if self.red_starts and now - self.red_until <= DAY else None
        return sum(1 for s in self.red_starts if now - days * DAY <= s < now and s != current)

    # ---- updates -------------------------------------------------------------------------------------

    def seen(self, event_id: str) -> bool:
        return event_id in self.recent_ids

    def apply(self, event: Any, reading: Reading | None = None, matches: tuple[ComplianceMatch, ...] = (),
              meaning: tuple[float, str] | None = None, review: Any = None) -> None:
        """Fold one event into the window (events must come in occurred_at order per account).

        `meaning`: (similarity, prototype) when the message reads like escalation language by meaning.
        `review`: a compliance-by-meaning proposal (confidence, quote, start, end) for a customer message.
        """
        at = event.occurred_at.timestamp()
        self.events += 1
        self.watermark = max(self.watermark, at)
        if self.first_seen is None:
            self.first_seen = at
        if self.recent_ids.maxlen:
            self.recent_ids.append(event.event_id)
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(self, event, at, reading, matches)
        if meaning is not None and event.type == "message.created" and event.payload.author_side.value == "customer":
            self._meant(event, at, meaning)
        if review is not None and event.type == "message.created" and event.payload.author_side.value == "customer":
            p = event.payload
            self.compliance_review.append((p.id, at, round(float(review.confidence), 4), int(review.start),
                                           int(review.end), str(review.quote)[: 2 * QUOTE_CONTEXT], p.ticket_id))

    def _account(self, event: Any, at: float, *_: Any) -> None:
        p = event.payload
        self.account = {"id": p.id, "name": p.name, "arr": p.arr, "tier": p.tier.value,
                        "lifecycle_stage": p.lifecycle_stage.value,
                        "renewal_date": p.renewal_date.isoformat() if p.renewal_date else None,
                        "csm": p.csm, "ae": p.ae, "event_id": event.event_id, "at": at}

    def _contact(self, event: Any, at: float, *_: Any) -> None:
        p = event.payload
        before = self.contacts.get(p.id)
        if before and before[0] and not p.is_key_stakeholder:
            self.stakeholder.append(("contact", p.id, at, f"{p.name} is no longer a key stakeholder"))
        self.contacts[p.id] = [p.is_key_stakeholder, p.name]
        if len(self.contacts) > 4 * self.th.limits.tracked_tickets:
            self.contacts.pop(next(iter(self.contacts)))

    def _ticket(self, event: Any, at: float, *_: Any) -> None:
        p = event.payload
        state = self.tickets.get(p.id)
        if state is None:
            state = TicketState(subject=p.subject, priority=p.priority.value, status=p.status.value,
                                created=at, contact_id=p.contact_id, assignee=p.assignee, reopen_count=p.reopen_count,
                                sketch=sketch(p.subject, self.th.limits.sketch_size))
            self._remember_ticket(p.id, state)
            self._on_new_ticket(p.id, state, at)
        else:
            self.tickets.move_to_end(p.id)
            status = p.status.value
            reopened = p.reopen_count > state.reopen_count or (state.status not in OPEN and status in OPEN)
            if reopened:
                self.reopens.append((p.id, at, max(p.reopen_count, state.reopen_count + 1), state.subject))
            if state.assignee and p.assignee and p.assignee != state.assignee:
                state.handoffs += 1
                self.handoffs.append((p.id, at, state.assignee, p.assignee))
            state.status, state.priority, state.subject = status, p.priority.value, p.subject
            state.reopen_count = max(state.reopen_count, p.reopen_count)
            state.assignee = p.assignee or state.assignee
        if p.engineering_owner and not state.eng_owner:
            state.eng_since = at
        elif not p.engineering_owner:
            state.eng_since = None
        state.eng_owner = p.engineering_owner
        state.updated = at
        state.updates += 1

    def _remember_ticket(self, ticket_id: str, state: TicketState) -> None:
        self.tickets[ticket_id] = state
        if len(self.tickets) > self.th.limits.tracked_tickets:
            self.tickets.popitem(last=False)

    def _on_new_ticket(self, ticket_id: str, state: TicketState, at: float) -> None:
        th = self.th
        horizon = at - max(th.density_days * DAY, th.repeat_hours * HOUR)
        while self.new_tickets and self.new_tickets[0][1] < horizon:
            self.new_tickets.popleft()
        self.new_tickets.append((ticket_id, at, state.contact_id))
        recent = [n for n in self.new_tickets if at - n[1] <= th.density_days * DAY]
        if len({n[2] for n in recent if n[2]}) >= th.density_contacts:
            self.density.append((ticket_id, at, [list(n) for n in recent]))
        for csat_id, csat_ticket, csat_at, score, _ in self.low_csat:
            if csat_ticket != ticket_id and at - csat_at <= th.csat_followup_days * DAY:
                self.csat_followups.append((csat_id, ticket_id, at, score, state.subject))
        self._check_repeat(ticket_id, state, at)

    def _check_repeat(self, ticket_id: str, state: TicketState, at: float) -> None:
        if any(r[0] == ticket_id for r in self.repeats):
            return
        best: tuple[float, str] | None = None
        for other_id, _at, _contact in self.new_tickets:
            other = self.tickets.get(other_id)
            if other_id == ticket_id or other is None or other.created > state.created:
                continue
            if state.created - other.created > self.th.repeat_hours * HOUR:
                continue
            sim = similarity(state.sketch, other.sketch, self.th.limits.sketch_size)
            if sim >= self.th.repeat_similarity and (best is None or sim > best[0]):
                best = (sim, other_id)
        if best is not None:
            self.repeats.append((ticket_id, best[1], at, round(best[0], 4), state.subject))

    def _message(self, event: Any, at: float, reading: Reading | None, matches: tuple[ComplianceMatch, ...]) -> None:
        p = event.payload
        side = p.author_side.value
        ticket = self.tickets.get(p.ticket_id)
        if side == "agent":
            if ticket is not None:
                ticket.last_reply, ticket.last_reply_id = at, p.id
            return
        if side != "customer":
            return
        text = p.text
        r = reading or Reading("neutral", 0.0, 0.0, True)
        self.messages.append((p.id, p.ticket_id, at, r.label, r.polarity, r.intensity, r.ambiguous, head(text),
                              r.version))
        self.last_customer = (at, p.id, head(text))
        for m in phrase_pattern(self.th.escalation_phrases).finditer(text[:100_000]):
            quote, s, e = quote_around(text, m.start(), m.end())
            self.escalations.append((p.id, at, m.group(0).lower(), s, e, quote, p.ticket_id))
        for m in phrase_pattern(self.th.pricing_terms).finditer(text[:100_000]):
            self.pricing.append((p.id, at, m.group(0).lower(), p.ticket_id))
            break  # one topic mark per message is enough
        for hit in matches:
            s, e = hit.span or (0, min(len(text), 2 * QUOTE_CONTEXT))
            quote, qs, qe = quote_around(text, s, e)
            self.compliance.append((p.id, at, hit.rule_id, hit.category, hit.term, qs, qe, quote, p.ticket_id))
        if ticket is not None and not ticket.sketched_message:
            ticket.sketched_message = True
            ticket.sketch = sketch(f"{ticket.subject} {text[:2000]}", self.th.limits.sketch_size)
            self._check_repeat(p.ticket_id, ticket, at)

    def _meant(self, event: Any, at: float, meaning: tuple[float, str]) -> None:
        p = event.payload
        if any(e[0] == p.id for e in self.escalations):
            return  # a listed phrase already marked this message
        quote, s, e = quote_around(p.text, 0, min(len(p.text), 2 * QUOTE_CONTEXT), 0)
        self.escalations.append((p.id, at, f"~{meaning[1][:60]} ({meaning[0]:.2f})", s, e, quote, p.ticket_id))

    def _usage(self, event: Any, at: float, *_: Any) -> None:
        p = event.payload
        row = (p.id, p.week_start.isoformat(), p.active_users, p.sessions, p.feature_adoption, at)
        if self.usage and self.usage[-1][0] == p.id:
            self.usage[-1] = row
        else:
            self.usage.append(row)

    def _csat(self, event: Any, at: float, *_: Any) -> None:
        p = event.payload
        if p.score <= self.th.csat_low_max:
            self.low_csat.append((p.id, p.ticket_id, at, p.score, head(p.comment or f"CSAT {p.score}/5")))

    def _sla(self, event: Any, at: float, *_: Any) -> None:
        p = event.payload
        due = p.due_at.timestamp()
        ticket = self.tickets.get(p.ticket_id)
        if ticket is not None:
            ticket.sla[p.metric.value] = [p.status.value, due, at, p.id]
        if p.status.value == "breached":
            self.breaches.append((p.id, p.ticket_id, p.metric.value, due, at))

    def _note(self, event: Any, at: float, *_: Any) -> None:
        p = event.payload
        text = p.text.lower()
        if p.kind in self.th.stakeholder_change_kinds or any(k in text for k in self.th.silence_note_phrases):
            self.stakeholder.append(("note", p.id, at, head(p.text)))

    # ---- persistence ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot of the window."""
        out: dict[str, Any] = {}
        for name in _SCALARS:
            out[name] = getattr(self, name)
        out["last_customer"] = list(self.last_customer) if self.last_customer else None
        # Shallow copies: TicketState holds only scalars and JSON-ready lists/dicts (asdict's deep copy cost
        # a third of a detection job).
        out["tickets"] = [[k, dict(vars(v))] for k, v in self.tickets.items()]
        for name in _DEQUES:
            out[name] = [list(x) if isinstance(x, tuple) else x for x in getattr(self, name)]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], th: Thresholds) -> AccountWindow:
        window = cls(account_id=data["account_id"], th=th)
        for name in _SCALARS:
            setattr(window, name, data.get(name, getattr(window, name)))
        window.last_customer = tuple(data["last_customer"]) if data.get("last_customer") else None
        window.tickets = OrderedDict((k, TicketState(**v)) for k, v in data.get("tickets", []))
        for name in _DEQUES:
            current = getattr(window, name)
            setattr(window, name, _dq(current.maxlen, data.get(name, [])))
        return window


_SCALARS = ("account_id", "account", "contacts", "first_seen", "events", "watermark", "red_until")
_DEQUES = ("messages", "escalations", "compliance", "compliance_review", "pricing", "new_tickets", "repeats", "density", "low_csat", "csat_followups", "usage",
           "breaches", "reopens", "handoffs", "stakeholder", "recent_ids", "red_starts")
_HANDLERS = {
    "account.upserted": AccountWindow._account,
    "contact.upserted": AccountWindow._contact,
    "ticket.upserted": AccountWindow._ticket,
    "message.created": AccountWindow._message,
    "usage.recorded": AccountWindow._usage,
    "csat.recorded": AccountWindow._csat,
    "sla.recorded": AccountWindow._sla,
    "note.created": AccountWindow._note,
}


def ts(seconds: float) -> datetime:
    from datetime import UTC

    return datetime.fromtimestamp(seconds, tz=UTC)
