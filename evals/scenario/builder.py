"""One account's records and events: the account, its people, ticket threads, usage, CSAT, SLA and notes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, get_args

from core.events import (
    AccountUpserted,
    ContactUpserted,
    CsatRecorded,
    MessageCreated,
    NoteCreated,
    SlaRecorded,
    TicketUpserted,
    UsageRecorded,
    _Envelope,
)
from core.models.records import (
    Account,
    AuthorSide,
    Channel,
    Contact,
    CsatResponse,
    Message,
    Priority,
    SlaEvent,
    SlaMetric,
    SlaStatus,
    StakeholderNote,
    Ticket,
    TicketStatus,
    UsageSnapshot,
)
from evals.scenario import phrases
from evals.scenario.text import TextMaker
from evals.scenario.topics import TOPICS, Topic, fill_slots

SOURCE = "sample"
# Hours to first response, next reply and resolution per priority.
SLA_HOURS: dict[Priority, tuple[float, float, float]] = {
    Priority.p1: (1, 2, 8), Priority.p2: (4, 8, 72), Priority.p3: (8, 24, 120), Priority.p4: (24, 48, 240),
}


def business_hours(at: datetime, rng: random.Random) -> datetime:
    """Customers write between 07:00 and 19:00 UTC; push later times to the next morning."""
    if 7 <= at.hour < 19:
        return at
    next_day = at if at.hour < 7 else at + timedelta(days=1)
    return next_day.replace(hour=rng.randint(7, 9), minute=rng.randint(0, 59))


def slug(name: str) -> str:
    return name.lower().replace(" ", ".").replace("'", "")


@dataclass
class AccountBuilder:
    """Collects the events of one account; ids derive from the account index, so they are stable per seed."""

    rng: random.Random
    text: TextMaker
    account: Account
    contacts: list[Contact]
    end: datetime
    events: list[_Envelope] = field(default_factory=list)
    _versions: dict[str, int] = field(default_factory=dict)
    _tickets: int = 0
    _notes: int = 0
    _csats: int = 0

    @property
    def champion(self) -> Contact:
        return next(c for c in self.contacts if c.is_key_stakeholder)

    def emit(self, cls: type[_Envelope], kind: str, payload: Any, at: datetime) -> str:
        version = self._versions.get(payload.id, 0) + 1
        self._versions[payload.id] = version
        event_id = f"{kind}:{payload.id}:{version}"
        type_name = get_args(cls.model_fields["type"].annotation)[0]
        self.events.append(cls(event_id=event_id, type=type_name, occurred_at=at, source=SOURCE, payload=payload))
        return event_id

    def upsert_account(self, at: datetime, **changes: Any) -> None:
        self.account = self.account.model_copy(update=changes)
        self.emit(AccountUpserted, "account", self.account, at)

    def upsert_contacts(self, at: datetime) -> None:
        for contact in self.contacts:
            self.emit(ContactUpserted, "contact", contact, at + timedelta(minutes=self.rng.randint(1, 90)))

    def emit_contact(self, contact: Contact, at: datetime) -> None:
        self.emit(ContactUpserted, "contact", contact, at)

    def usage(self, week_start: datetime, active: int, sessions: int, adoption: float) -> None:
        snap = UsageSnapshot(id=f"{self.account.id}-u{week_start:%Y%m%d}", account_id=self.account.id,
                             week_start=week_start.date(), active_users=max(0, active),
                             sessions=max(0, sessions), feature_adoption=round(min(1.0, max(0.0, adoption)), 3))
        self.emit(UsageRecorded, "usage", snap, week_start + timedelta(days=7, hours=2))

    def note(self, at: datetime, author: str, text: str, kind: str = "csm_note") -> None:
        self._notes += 1
        note = StakeholderNote(id=f"{self.account.id}-n{self._notes:02d}", account_id=self.account.id,
                               author=author, kind=kind, text=text, created_at=at)
        self.emit(NoteCreated, "note", note, at)

    def names(self, contact: Contact) -> dict[str, str]:
        first, _, last = contact.name.partition(" ")
        return {"first": first, "last": last, "title": contact.title or ""}

    def ctx(self, contact: Contact | None = None, **extra: str) -> dict[str, str]:
        topic_any = self.rng.choice(TOPICS)
        base = {**self.names(contact or self.champion), "company": self.account.name,
                "weekday": self.rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
                "tier": self.account.tier.value, "pct": str(self.rng.randint(35, 92)),
                "count": str(self.rng.randint(3, 40)),
                "feature": str(fill_slots(topic_any, self.rng).get("feature", "automation rules")),
                "tenant": f"{self.account.name.split()[0].lower()}-{self.account.id[-3:]}",
                "hour": f"{self.rng.randint(0, 23):02d}", "csm_first": (self.account.csm or "CSM").split()[0]}
        base.update(extra)
        return base

    def open_ticket(self, at: datetime, *, topic: Topic | None = None, contact: Contact | None = None,
                    priority: Priority = Priority.p3, assignee: str | None = None,
                    channel: Channel | None = None, same_as: Thread | None = None,
                    subject: str | None = None) -> Thread:
        """A new ticket; `same_as` reuses another thread's topic details (repeat contact on the same issue)."""
        self._tickets += 1
        at = business_hours(at, self.rng).replace(second=0, microsecond=0)
        topic = same_as.topic if same_as else topic or self.rng.choice(TOPICS)
        contact = contact or self.rng.choice(self.contacts)
        slots = fill_slots(topic, self.rng)
        if same_as:
            slots.update({k: v for k, v in same_as.ctx.items() if k in topic.slots})
        ticket_id = f"{self.account.id}-t{self._tickets:02d}"
        agent = assignee or self.rng.choice(phrases.SUPPORT_T1)
        ctx = self.ctx(contact, **slots, agent=agent.split()[0],
                       jira=f"{self.rng.choice(phrases.ENG_QUEUES)}-{self.rng.randint(1200, 9800)}")
        ctx["feature"] = slots.get("feature", ctx["feature"])
        subject = subject or self.text.pick(topic.subjects, ctx)
        subject = subject[0].upper() + subject[1:]
        ticket = Ticket(id=ticket_id, account_id=self.account.id, contact_id=contact.id, subject=subject,
                        priority=priority, status=TicketStatus.new, assignee=None, group=topic.group,
                        sla_policy=f"{self.account.tier.value}-{priority.value}", created_at=at)
        channel = channel or (same_as.channel if same_as else None)
        thread = Thread(self, ticket, topic, contact, ctx, agent, at,
                        channel or self.rng.choice([Channel.email, Channel.email, Channel.web, Channel.chat]))
        self.emit(TicketUpserted, "ticket", ticket, at)
        return thread


@dataclass
class Thread:
    """One ticket's conversation; `now` only moves forward."""

    b: AccountBuilder
    ticket: Ticket
    topic: Topic
    contact: Contact
    ctx: dict[str, str]
    agent: str
    now: datetime
    channel: Channel
    _messages: int = 0

    @property
    def chat(self) -> bool:
        return self.channel == Channel.chat

    def wait(self, lo_hours: float, hi_hours: float) -> datetime:
        self.now += timedelta(minutes=self.b.rng.randint(int(lo_hours * 60), max(int(lo_hours * 60), int(hi_hours * 60))))
        return self.now

    def update(self, **changes: Any) -> None:
        self.ticket = self.ticket.model_copy(update=changes)
        self.b.emit(TicketUpserted, "ticket", self.ticket, self.now)

    def _message(self, side: AuthorSide, author: str, text: str, channel: Channel | None = None) -> Message:
        self._messages += 1
        msg = Message(id=f"{self.ticket.id}-m{self._messages:02d}", ticket_id=self.ticket.id,
                      account_id=self.b.account.id, author_side=side, author_id=author,
                      channel=channel or self.channel, text=text, created_at=self.now)
        self.b.emit(MessageCreated, "message", msg, self.now)
        return msg

    def customer(self, text: str, contact: Contact | None = None) -> Message:
        self.now = business_hours(self.now, self.b.rng)
        return self._message(AuthorSide.customer, (contact or self.contact).id, text)

    def say(self, body: list[str], tone: str | None = None, contact: Contact | None = None) -> Message:
        """A customer message composed from fragments in this thread's channel style."""
        ctx = {**self.ctx, **self.b.names(contact)} if contact else self.ctx
        return self.customer(self.b.text.customer(ctx, body, tone=tone, chat=self.chat), contact)  # type: ignore[arg-type]

    def reply(self, body: list[str], who: str | None = None) -> Message:
        """An agent message composed from fragments; `who` speaks instead of the assignee."""
        ctx = {**self.ctx, "agent": who} if who else self.ctx
        return self.agent_says(self.b.text.agent(ctx, body, chat=self.chat), who)

    def agent_says(self, text: str, who: str | None = None) -> Message:
        return self._message(AuthorSide.agent, slug(who or self.agent), text)

    def internal(self, text: str, who: str | None = None) -> Message:
        return self._message(AuthorSide.internal, slug(who or self.agent), text, Channel.web)

    def sla(self, metric: SlaMetric, status: SlaStatus, due: datetime, at: datetime | None = None) -> datetime:
        n = self.b._versions.get(f"{self.ticket.id}-sla", 0) + 1
        self.b._versions[f"{self.ticket.id}-sla"] = n
        event = SlaEvent(id=f"{self.ticket.id}-s{n}", ticket_id=self.ticket.id, account_id=self.b.account.id,
                         metric=metric, status=status, due_at=due, occurred_at=at or self.now)
        self.b.emit(SlaRecorded, "sla", event, event.occurred_at)
        return event.occurred_at

    def csat(self, score: int, comment: str | None) -> None:
        self.b._csats += 1
        resp = CsatResponse(id=f"{self.b.account.id}-c{self.b._csats:02d}", account_id=self.b.account.id,
                            ticket_id=self.ticket.id, score=score, comment=comment, created_at=self.now)
        self.b.emit(CsatRecorded, "csat", resp, self.now)

    def due(self, metric: SlaMetric, since: datetime | None = None) -> datetime:
        hours = SLA_HOURS[self.ticket.priority][list(SlaMetric).index(metric)]
        return (since or self.now) + timedelta(hours=hours)
