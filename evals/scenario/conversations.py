"""Reusable conversation steps: routine tickets, escalation endings, and the story record they fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.models.records import Contact, Priority, SlaMetric, SlaStatus, TicketStatus
from evals.scenario import phrases
from evals.scenario.builder import AccountBuilder, Thread
from evals.scenario.topics import Topic


@dataclass
class Story:
    """What an archetype's storyline planted, for the ground truth."""

    first_signal_at: datetime | None = None
    escalation_at: datetime | None = None
    engineering: bool = False
    compliance: str | None = None
    signals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    usage_shape: tuple[str, datetime] | None = None

    def signal(self, kind: str, at: datetime) -> None:
        if self.first_signal_at is None or at < self.first_signal_at:
            self.first_signal_at = at
        if kind not in self.signals:
            self.signals.append(kind)


def customer_opens(t: Thread, tone: str | None = "neutral", extra: list[str] | None = None) -> None:
    tx, ctx = t.b.text, t.ctx
    detail = tx.pick(t.topic.details, ctx) if t.b.rng.random() < 0.6 else ""
    body = [*(extra or []), tx.pick(t.topic.problems, ctx), detail]
    t.customer(tx.customer({**ctx, "agent": "there"}, body, tone=tone, chat=t.chat))  # type: ignore[arg-type]


def first_response(t: Thread, *, macro: bool = False, late: bool = False, who: str | None = None) -> None:
    """Agent's first reply and the first-response SLA event (met or, when late, breached at the due time)."""
    rng, tx, ctx = t.b.rng, t.b.text, t.ctx
    due = t.due(SlaMetric.first_response)
    budget = (due - t.now).total_seconds() / 3600
    if late:
        t.sla(SlaMetric.first_response, SlaStatus.breached, due, due)
        t.now = due
        t.wait(0.5, max(1.0, budget))
    else:
        t.wait(0.05 * budget, 0.8 * budget)
    if who:
        t.agent, ctx["agent"] = who, who.split()[0]
    t.update(status=TicketStatus.pending, assignee=t.agent)
    if macro:
        body = [tx.pick(phrases.AGENT_MACRO_MISS, ctx)]
    else:
        body = [tx.pick(phrases.AGENT_ACKS, ctx) if rng.random() < 0.3 else "", tx.pick(t.topic.answers, ctx)]
    t.reply(body)
    if not late:
        t.sla(SlaMetric.first_response, SlaStatus.met, due)


def resolve(t: Thread, *, thanks: float = 0.7, csat: float = 0.5, csat_scores: tuple[int, ...] = (4, 5, 5),
            late_resolution: bool = False) -> None:
    rng, tx, ctx = t.b.rng, t.b.text, t.ctx
    due = t.due(SlaMetric.resolution, t.ticket.created_at)
    t.reply([tx.pick(t.topic.fixes, ctx)])
    t.update(status=TicketStatus.solved, solved_at=t.now)
    t.sla(SlaMetric.resolution, SlaStatus.breached if late_resolution or t.now > due else SlaStatus.met, due,
          min(t.now, due) if t.now > due else t.now)
    if rng.random() < thanks:
        t.wait(0.3, 20)
        t.say([tx.pick(phrases.CUSTOMER_CONFIRMS, ctx)], tone="positive")
    if rng.random() < csat:
        t.wait(1, 30)
        t.csat(rng.choice(csat_scores), tx.pick(phrases.CSAT_POSITIVE, ctx) or None)


def routine_ticket(b: AccountBuilder, at: datetime, *, topic: Topic | None = None, contact: Contact | None = None,
                   priority: Priority | None = None, tone: str | None = None) -> Thread:
    """A healthy ticket: clear question, prompt and useful answers, solved, often thanked and rated well."""
    rng = b.rng
    t = b.open_ticket(at, topic=topic, contact=contact,
                      priority=priority or rng.choice([Priority.p3, Priority.p3, Priority.p4, Priority.p2]))
    customer_opens(t, tone=tone if tone is not None else rng.choice([None, "neutral", "neutral", "positive"]))
    first_response(t)
    if rng.random() < 0.5:
        t.wait(0.5, 26)
        t.say([b.text.pick(t.topic.details, t.ctx)], tone=rng.choice([None, "neutral"]))
        t.wait(0.3, 6)
        t.update(status=TicketStatus.open)
        if rng.random() < 0.3:
            t.internal(b.text.plain(t.ctx, [b.text.pick(phrases.INTERNAL_NOTES, t.ctx)], phrases.INTERNAL_TAILS))
    t.wait(0.5, 30)
    resolve(t)
    return t


def escalate(t: Thread, story: Story, body: list[str], contact: Contact | None = None,
             tone: str = "negative") -> None:
    """The formal escalation message, the ticket flagged as escalated, and a manager's reply."""
    b = t.b
    t.say(body, tone=tone, contact=contact)
    story.escalation_at = t.now
    story.signal("escalation_language", t.now)
    t.wait(0.1, 1.5)
    t.update(is_escalated=True, status=TicketStatus.open,
             priority=Priority.p1 if t.ticket.priority == Priority.p2 else t.ticket.priority)
    t.wait(0.5, 5)
    manager = b.rng.choice(["Olivia Grant", "Martin Keller", "Dana Whitaker"])
    t.reply([b.text.pick(phrases.AGENT_MANAGER_REPLY, {**t.ctx, "agent": manager})], who=manager)


def handoff(t: Thread, to: str, group: str = "Support T2", engineering_owner: str | None = None) -> None:
    b = t.b
    lead = (f"Escalating to engineering as {t.ctx['jira']}; owner {engineering_owner}." if engineering_owner
            else f"Handing over to {to}.")
    t.internal(b.text.plain(t.ctx, [lead, b.text.pick(t.topic.causes, t.ctx)], phrases.INTERNAL_TAILS))
    t.agent, t.ctx["agent"] = to, to.split()[0]
    changes: dict[str, object] = {"assignee": to, "group": group}
    if engineering_owner:
        changes.update(engineering_owner=engineering_owner, status=TicketStatus.on_hold)
    t.update(**changes)
