"""One storyline per archetype: the episode that makes an account healthy, a hard negative, or at risk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from core.models.records import Channel, Priority, SlaMetric, SlaStatus, TicketStatus
from evals.scenario import phrases
from evals.scenario.archetypes import Archetype
from evals.scenario.builder import AccountBuilder, Thread
from evals.scenario.conversations import (
    Story,
    customer_opens,
    escalate,
    first_response,
    handoff,
    resolve,
)
from evals.scenario.text import fill
from evals.scenario.topics import TOPIC_BY_NAME

Storyline = Callable[[AccountBuilder, datetime, datetime], Story]
_TECH = ["sso", "api_rate_limit", "webhooks", "export", "crm_sync", "data_sync", "performance", "permissions"]


def monday(day: datetime) -> datetime:
    day = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _episode_start(b: AccountBuilder, end: datetime, length_days: int) -> datetime:
    """Start so the episode ends 4-55 days before `end`, at a business hour."""
    day = end - timedelta(days=length_days + b.rng.randint(4, 55))
    return day.replace(hour=b.rng.randint(7, 16), minute=b.rng.randint(0, 59))


def _nudge(t: Thread, story: Story, tone: str | None = "neutral") -> None:
    tx = t.b.text
    t.say([tx.pick(phrases.POLITE_NUDGES, t.ctx)], tone=tone)
    story.signal("polite_frustration", t.now)


def _late_reply(t: Thread, story: Story, body: list[str]) -> None:
    """An agent reply after the next-reply SLA passed: the breach is recorded at the due time."""
    due = t.due(SlaMetric.next_reply)
    t.sla(SlaMetric.next_reply, SlaStatus.breached, due, due)
    story.signal("sla_breach", due)
    t.now = max(t.now, due) + timedelta(minutes=t.b.rng.randint(30, 600))
    t.reply(body)


def healthy_quiet(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    return Story(notes=["routine tickets only"])


def loud_satisfied(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    story = Story(notes=["caps and exclamation marks with positive content"])
    for _ in range(b.rng.randint(2, 4)):
        t = b.open_ticket(start + timedelta(days=b.rng.randint(5, 170)), topic=TOPIC_BY_NAME["how_to"])
        tx = b.text
        t.say([tx.pick(phrases.LOUD_REQUESTS, t.ctx)], tone=None)
        first_response(t)
        t.wait(0.2, 6)
        t.say([tx.pick(phrases.LOUD_POSITIVE, t.ctx)], tone="positive")
        t.wait(0.5, 8)
        resolve(t, thanks=0.0, csat=0.9, csat_scores=(5,))
    return story


def p1_transparent(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    story = Story(notes=["P1 outage, updates every 30-45 minutes, RCA shared, good CSAT"])
    t = b.open_ticket(_episode_start(b, end, 7), priority=Priority.p1, channel=Channel.email,
                      topic=TOPIC_BY_NAME["performance"], assignee=b.rng.choice(phrases.SUPPORT_T2))
    tx, ctx = b.text, t.ctx
    t.say([tx.pick(phrases.INCIDENT_OPEN, ctx)], tone=None)
    due = t.due(SlaMetric.first_response)
    t.wait(0.1, 0.3)
    t.update(status=TicketStatus.open, assignee=t.agent, engineering_owner=b.rng.choice(phrases.ENGINEERS))
    t.reply([tx.pick(phrases.INCIDENT_ACKS, ctx)])
    t.sla(SlaMetric.first_response, SlaStatus.met, due)
    for n, update in enumerate(phrases.INCIDENT_UPDATES, start=1):
        t.wait(0.4, 0.75)
        t.reply([fill(update, {**ctx, "n": str(n)})])
    t.update(engineering_owner=None)
    resolve(t, thanks=0.0, csat=0.0)
    t.wait(0.5, 3)
    t.say([tx.pick(phrases.INCIDENT_THANKS, ctx)], tone="positive")
    t.wait(2, 6)
    t.csat(b.rng.choice([4, 5]), "Great communication during the incident.")
    t.wait(72, 110)
    t.reply([tx.pick(phrases.RCA, ctx)])
    return story


def seasonal_dip(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    story = Story(notes=["usage dip (~40%) for two weeks during a known seasonal shutdown; recovers"])
    dip = monday(start + timedelta(days=b.rng.randint(60, 120)))
    story.usage_shape = ("dip", dip)
    ctx = b.ctx()
    b.note(dip - timedelta(days=b.rng.randint(5, 12), hours=-10), b.account.csm or "CSM",
           b.text.plain(ctx, [b.text.pick(phrases.CSM_SEASONAL, ctx)]))
    return story


def noisy_false_alarm(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    story = Story(notes=["one angry message, fixed within hours, customer apologises"])
    t = b.open_ticket(_episode_start(b, end, 2), priority=Priority.p2, topic=TOPIC_BY_NAME["export"])
    tx = b.text
    t.say([tx.pick(phrases.ANGRY_ONEOFF, t.ctx)], tone=None)
    t.wait(0.1, 0.3)
    t.update(status=TicketStatus.open, assignee=t.agent)
    t.reply([tx.pick(phrases.AGENT_APOLOGIES, t.ctx), tx.pick(t.topic.answers, t.ctx)])
    t.sla(SlaMetric.first_response, SlaStatus.met, t.due(SlaMetric.first_response, t.ticket.created_at))
    t.wait(0.5, 2.5)
    resolve(t, thanks=0.0, csat=0.0)
    t.wait(0.1, 1)
    t.say([tx.pick(phrases.APOLOGY_AFTER, t.ctx)], tone=None)
    t.wait(1, 20)
    t.csat(b.rng.choice([4, 5]), tx.pick(phrases.CSAT_POSITIVE, t.ctx) or None)
    return story


def slow_drift(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng, tx = b.rng, b.text
    story = Story(notes=["tone drift, macro miss, repeat contact within 72h, reopen, two handoffs, missed SLAs"])
    topic = TOPIC_BY_NAME[rng.choice(_TECH)]
    t = b.open_ticket(_episode_start(b, end, 30), topic=topic, priority=rng.choice([Priority.p2, Priority.p3]))
    customer_opens(t, tone="neutral")
    first_response(t, macro=True)
    t.wait(20, 40)
    t.say([tx.family("frustration", phrases.DRIFT_MILD, t.ctx), tx.pick(topic.details, t.ctx)], tone="neutral")
    story.signal("tone_drift", t.now)
    t.update(status=TicketStatus.open)
    _late_reply(t, story, [tx.pick(phrases.AGENT_HOLDING, t.ctx)])
    handoff(t, rng.choice(phrases.SUPPORT_T2))
    story.signal("handoff", t.now)
    t.wait(2, 20)
    t.reply([tx.pick(phrases.AGENT_HANDOFF, t.ctx), tx.pick(topic.answers, t.ctx)])
    t.wait(24, 60)
    resolve(t, thanks=0.0, csat=0.0)
    t.wait(40, 80)
    t.say([tx.pick(phrases.REOPEN, t.ctx), tx.pick(topic.problems, t.ctx)], tone="negative")
    t.update(status=TicketStatus.open, solved_at=None, reopen_count=t.ticket.reopen_count + 1)
    story.signal("reopen", t.now)
    reopened_at = t.now
    t.wait(10, 30)
    repeat = b.open_ticket(t.now, contact=t.contact, priority=t.ticket.priority, same_as=t)
    repeat.say([tx.pick(phrases.REPEAT_CONTACT, repeat.ctx), tx.family("frustration", phrases.DRIFT_MILD, repeat.ctx)], tone="negative")
    story.signal("repeat_contact_72h", repeat.now)
    first_response(repeat, macro=True)
    t.now = max(t.now, repeat.now)
    handoff(t, rng.choice([a for a in phrases.SUPPORT_T2 if a != t.agent]))
    _late_reply(t, story, [tx.pick(phrases.AGENT_HANDOFF, t.ctx), tx.pick(phrases.AGENT_HOLDING, t.ctx)])
    t.wait(48, 96)
    t.say([tx.family("frustration", phrases.DRIFT_MILD, t.ctx)], tone="negative")
    due = t.due(SlaMetric.resolution, reopened_at)
    if due < t.now:
        t.sla(SlaMetric.resolution, SlaStatus.breached, due, due)
    t.wait(48, 120)
    escalate(t, story, [tx.family("frustration", phrases.WEEKS_OPEN, t.ctx), tx.pick(phrases.ESCALATION_DEMANDS[:4], t.ctx)])
    return story


def polite_frustration(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng, tx = b.rng, b.text
    story = Story(notes=["polite nudges every few days with sparse, late replies, then escalation"])
    topic = TOPIC_BY_NAME[rng.choice(_TECH + ["billing"])]
    t = b.open_ticket(_episode_start(b, end, 24), topic=topic, priority=Priority.p3, channel=Channel.email)
    customer_opens(t, tone="neutral")
    first_response(t)
    for i in range(rng.randint(3, 4)):
        t.wait(50, 100)
        _nudge(t, story, tone=None if i < 2 else "neutral")
        if i % 2 == 0:
            _late_reply(t, story, [tx.pick(phrases.AGENT_HOLDING, t.ctx)])
    t.wait(48, 96)
    escalate(t, story, [tx.family("frustration", phrases.WEEKS_OPEN, t.ctx), "Could a supervisor look at this now, please?"],
             tone="neutral")
    return story


def engineering_black_hole(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng, tx = b.rng, b.text
    story = Story(engineering=True, notes=["engineering owns the ticket for weeks with no customer update"])
    topic = TOPIC_BY_NAME[rng.choice(["api_rate_limit", "webhooks", "data_sync", "crm_sync", "sso", "export"])]
    t = b.open_ticket(_episode_start(b, end, 38), topic=topic, priority=Priority.p2)
    customer_opens(t, tone="neutral")
    first_response(t)
    t.wait(20, 50)
    handoff(t, rng.choice(phrases.SUPPORT_T2))
    t.wait(10, 30)
    engineer = rng.choice(phrases.ENGINEERS)
    handoff(t, t.agent, engineering_owner=engineer)
    t.reply([f"I've raised this with our engineering team as {t.ctx['jira']}; "
             "I'll update you as soon as they have findings."])
    eng_start = t.now
    t.ctx["eng"] = engineer
    for week in range(rng.randint(4, 5)):
        t.wait(24 * 5, 24 * 8)
        t.internal(tx.plain(t.ctx, [f"Week {week + 1}.", tx.pick(phrases.ENG_NOTES, t.ctx)], phrases.INTERNAL_TAILS))
        if week in (1, 3):
            _nudge(t, story, tone="neutral" if week == 1 else "negative")
            due = t.due(SlaMetric.next_reply)
            t.sla(SlaMetric.next_reply, SlaStatus.breached, due, due)
    story.signal("engineering_silence", eng_start + timedelta(days=7))
    t.now = max(t.now, due) + timedelta(hours=rng.randint(4, 40))
    escalate(t, story, [tx.family("frustration", phrases.WEEKS_OPEN, t.ctx), "Nobody has given us a single update in a month.",
                        tx.pick(phrases.ESCALATION_DEMANDS, t.ctx)])
    return story


def multi_contact_density(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng = b.rng
    story = Story(notes=["3+ contacts raise the same problem within a week, sponsor escalates"])
    topic = TOPIC_BY_NAME[rng.choice(["crm_sync", "data_sync", "performance", "webhooks"])]
    at = _episode_start(b, end, 9)
    sponsor = next((c for c in b.contacts if c.title in phrases.SPONSOR_TITLES), b.contacts[-1])
    others = [c for c in b.contacts if c.id != sponsor.id]
    threads: list[Thread] = []
    for i, contact in enumerate(others[: rng.randint(3, 4)]):
        t = b.open_ticket(at + timedelta(hours=i * rng.randint(24, 44) + rng.randint(0, 6)), topic=topic,
                          contact=contact, priority=Priority.p2)
        customer_opens(t, tone="neutral" if i == 0 else "negative")
        first_response(t, macro=i > 0, late=i == 2)
        threads.append(t)
        if i >= 2:
            story.signal("account_density", t.ticket.created_at)
    last = max(threads, key=lambda th: th.now)
    last.wait(24, 60)
    escalate(last, story, ["Several people on my team have now reported the same problem this week.",
                           "I want your leadership on a call with us this week."],
             contact=sponsor)
    return story


def low_csat_repeat(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng, tx = b.rng, b.text
    story = Story(notes=["CSAT 1-2, then a new ticket on the same problem within 7 days"])
    topic = TOPIC_BY_NAME[rng.choice(_TECH)]
    t = b.open_ticket(_episode_start(b, end, 12), topic=topic, priority=Priority.p3)
    customer_opens(t)
    first_response(t, macro=True)
    t.wait(3, 30)
    resolve(t, thanks=0.0, csat=0.0)
    t.wait(2, 30)
    t.csat(rng.choice([1, 2]), tx.pick(phrases.CSAT_NEGATIVE, t.ctx))
    story.signal("low_csat", t.now)
    repeat = b.open_ticket(t.now + timedelta(days=rng.uniform(2, 6)), contact=t.contact, priority=Priority.p2,
                           same_as=t)
    repeat.say([tx.pick(phrases.REPEAT_CONTACT, repeat.ctx), tx.pick(topic.problems, repeat.ctx)], tone="negative")
    story.signal("new_ticket_after_low_csat", repeat.now)
    first_response(repeat, late=True)
    repeat.wait(24, 60)
    escalate(repeat, story, ["This is the second time we're reporting this.", tx.pick(phrases.ESCALATION_DEMANDS, repeat.ctx)])
    return story


def usage_drop_renewal(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng, tx = b.rng, b.text
    story = Story(notes=["usage drops 40%+ week over week before renewal; customer asks how to leave"])
    drop = monday(end - timedelta(days=rng.randint(28, 45)))
    story.usage_shape = ("drop", drop)
    story.signal("usage_drop", drop + timedelta(days=7, hours=2))
    b.note(drop + timedelta(days=rng.randint(8, 12), hours=10), b.account.csm or "CSM",
           tx.plain(b.ctx(), [tx.pick(phrases.CSM_USAGE, b.ctx())]))
    t = b.open_ticket(drop + timedelta(days=rng.randint(10, 16), hours=rng.randint(8, 16)),
                      topic=TOPIC_BY_NAME["export"], priority=Priority.p4)
    t.say([tx.family("churn", phrases.CHURN_HINTS, t.ctx)], tone=None)
    story.signal("churn_question", t.now)
    first_response(t)
    return story


def silence_before_renewal(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng, tx = b.rng, b.text
    story = Story(notes=["sponsor gone, CSM outreach unanswered, renewal approaching"])
    champion = b.champion
    left = (end - timedelta(days=rng.randint(40, 60))).replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59))
    b.contacts = [c.model_copy(update={"is_key_stakeholder": False}) if c.id == champion.id else c for c in b.contacts]
    ctx = b.ctx(champion)
    b.note(left, b.account.csm or "CSM", tx.plain(ctx, [tx.pick(phrases.CSM_CHAMPION_LEFT, ctx)]), "stakeholder_change")
    b.emit_contact(next(c for c in b.contacts if c.id == champion.id), left + timedelta(hours=1))
    story.signal("champion_left", left)
    at = left
    for _ in range(rng.randint(2, 3)):
        at += timedelta(days=rng.randint(7, 14))
        if at < end:
            b.note(at, b.account.csm or "CSM", tx.plain(ctx, [tx.pick(phrases.CSM_NO_REPLY, ctx)]))
            story.signal("stakeholder_silence", at)
    return story


def compliance(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    rng, tx = b.rng, b.text
    kind = rng.choice(["privacy_request", "intrusion", "legal_threat"])
    story = Story(compliance=kind, notes=[f"compliance: {kind}"])
    at = _episode_start(b, end, 10)
    if kind == "legal_threat":
        t = b.open_ticket(at, priority=Priority.p1, topic=TOPIC_BY_NAME["performance"], channel=Channel.email)
        t.say([tx.pick(phrases.INCIDENT_OPEN, t.ctx)], tone="negative")
        first_response(t, late=True)
        story.signal("sla_breach", t.due(SlaMetric.first_response, t.ticket.created_at))
        t.wait(20, 40)
        resolve(t, thanks=0.0, csat=0.0, late_resolution=True)
        t.wait(24, 72)
        t.update(status=TicketStatus.open)
    else:
        t = b.open_ticket(at, priority=Priority.p1 if kind == "intrusion" else Priority.p2, channel=Channel.email,
                          topic=TOPIC_BY_NAME["permissions"], subject=rng.choice(phrases.COMPLIANCE_SUBJECTS[kind]))
    t.say([tx.pick(phrases.COMPLIANCE[kind], t.ctx)], tone=None)
    story.signal("compliance_terms", t.now)
    if kind == "intrusion":
        story.engineering = True
        t.wait(0.2, 0.8)
        t.update(status=TicketStatus.open, assignee=rng.choice(phrases.SUPPORT_T2), group="Support T2",
                 engineering_owner="Security Response Team")
        t.reply([tx.pick(phrases.COMPLIANCE_ACKS[kind], t.ctx)])
        t.wait(3, 10)
    else:
        t.wait(1, 6)
        t.reply([tx.pick(phrases.COMPLIANCE_ACKS[kind], t.ctx)])
        t.wait(48, 120)
        if kind == "privacy_request":
            _nudge(t, story)
            t.wait(72, 150)
    escalate(t, story, [tx.pick(phrases.COMPLIANCE[f"{kind}_escalation"], t.ctx)])
    return story


def quiet_escalation(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    """Escalates with almost no warning: one ordinary ticket, a short wait, then a demand (label noise too)."""
    rng, tx = b.rng, b.text
    story = Story(notes=["escalates with few signals: an ordinary ticket, then a demand"])
    topic = TOPIC_BY_NAME[rng.choice(_TECH)]
    t = b.open_ticket(_episode_start(b, end, 6), topic=topic, priority=Priority.p3)
    customer_opens(t, tone="neutral")
    story.signal("ordinary_ticket", t.now)
    first_response(t)
    t.wait(24, 90)
    escalate(t, story, [tx.pick(phrases.ESCALATION_DEMANDS, t.ctx)], tone="neutral")
    return story


def rough_but_loyal(b: AccountBuilder, start: datetime, end: datetime) -> Story:
    """Many warning signs that never turn into an escalation: breaches, a reopen, handoffs, real complaints."""
    rng, tx = b.rng, b.text
    story = Story(notes=["signal-heavy but never escalates: SLA breaches, reopen, handoffs, frustrated messages"])
    topic = TOPIC_BY_NAME[rng.choice(_TECH)]
    t = b.open_ticket(_episode_start(b, end, 20), topic=topic, priority=rng.choice([Priority.p2, Priority.p3]))
    customer_opens(t, tone="negative")
    first_response(t, macro=True, late=rng.random() < 0.5)
    t.wait(20, 50)
    t.say([tx.family("frustration", phrases.DRIFT_MILD, t.ctx)], tone="negative")
    _late_reply(t, story, [tx.pick(phrases.AGENT_HOLDING, t.ctx)])
    handoff(t, rng.choice(phrases.SUPPORT_T2))
    t.wait(24, 60)
    t.reply([tx.pick(phrases.AGENT_HANDOFF, t.ctx), tx.pick(topic.answers, t.ctx)])
    t.wait(24, 60)
    resolve(t, thanks=0.0, csat=0.0)
    t.wait(30, 80)
    t.say([tx.pick(phrases.REOPEN, t.ctx)], tone="negative")
    t.update(status=TicketStatus.open, solved_at=None, reopen_count=t.ticket.reopen_count + 1)
    t.wait(4, 30)
    _nudge(t, story, tone=None)
    t.wait(10, 40)
    resolve(t, thanks=0.9, csat=0.8, csat_scores=(3, 4, 4), late_resolution=True)
    return story


STORYLINES: dict[Archetype, Storyline] = {
    Archetype.quiet_escalation: quiet_escalation,
    Archetype.rough_but_loyal: rough_but_loyal,
    Archetype.healthy_quiet: healthy_quiet,
    Archetype.loud_satisfied: loud_satisfied,
    Archetype.p1_transparent: p1_transparent,
    Archetype.seasonal_dip: seasonal_dip,
    Archetype.noisy_false_alarm: noisy_false_alarm,
    Archetype.slow_drift: slow_drift,
    Archetype.polite_frustration: polite_frustration,
    Archetype.engineering_black_hole: engineering_black_hole,
    Archetype.multi_contact_density: multi_contact_density,
    Archetype.low_csat_repeat: low_csat_repeat,
    Archetype.usage_drop_renewal: usage_drop_renewal,
    Archetype.silence_before_renewal: silence_before_renewal,
    Archetype.compliance: compliance,
}
