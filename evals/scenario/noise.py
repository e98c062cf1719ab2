"""Realistic noise on every account: what healthy support looks like, so warning signs are not free labels.

Rates (per routine ticket unless said otherwise) and where they come from; docs/evaluation.md repeats
them. Measured: the ServiceNow incident log (../shared/data/servicenow_incident_log, 24,918 incidents,
final state of each): 36.6 % missed their SLA, 20.6 % were reassigned two or more times, 1.1 % were
reopened. Assumed (no public figure found; chosen before looking at detector output and documented as
assumptions): the share of routine tickets opened in anger, the share mentioning a compliance word in a
harmless context, and the per-account rates of a temporary usage dip and a stakeholder change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.models.records import Priority, TicketStatus
from evals.scenario import phrases
from evals.scenario.builder import AccountBuilder, Thread
from evals.scenario.conversations import customer_opens, first_response, handoff, resolve, routine_ticket


@dataclass(frozen=True)
class Noise:
    sla_breach: float = 0.366  # ServiceNow: incidents whose SLA was missed
    handoffs_2plus: float = 0.206  # ServiceNow: incidents reassigned >= 2 times
    reopen: float = 0.011  # ServiceNow: incidents reopened
    angry_then_resolved: float = 0.12  # assumed
    harmless_compliance: float = 0.03  # assumed
    usage_dip_account: float = 0.10  # assumed, per account: one week ~45 % down, then back
    stakeholder_change_account: float = 0.08  # assumed, per account: a key contact changes role, all fine

    def describe(self) -> dict[str, float]:
        return dict(self.__dict__)


def noisy_routine_ticket(b: AccountBuilder, at: datetime, noise: Noise) -> Thread:
    """A routine ticket that ends well, with the noise a real helpdesk has (each at its own rate)."""
    rng = b.rng
    angry = rng.random() < noise.angry_then_resolved
    harmless = rng.random() < noise.harmless_compliance
    breach, handoffs, reopen = (rng.random() < noise.sla_breach, rng.random() < noise.handoffs_2plus,
                                rng.random() < noise.reopen)
    if not (angry or harmless or breach or handoffs or reopen):
        return routine_ticket(b, at)
    t = b.open_ticket(at, priority=Priority(rng.choice(_PRIORITIES)))
    extra = [b.text.pick(phrases.HARMLESS_COMPLIANCE, t.ctx)] if harmless else None
    customer_opens(t, tone="negative" if angry else rng.choice([None, "neutral"]), extra=extra)
    first_response(t, late=breach and rng.random() < 0.5)
    if handoffs:
        for _ in range(2):
            t.wait(2, 20)
            handoff(t, rng.choice([a for a in phrases.SUPPORT_T2 if a != t.agent]))
        t.reply([b.text.pick(phrases.AGENT_HANDOFF, t.ctx)])
    t.wait(1, 30)
    resolve(t, late_resolution=breach)
    if reopen:
        t.wait(10, 60)
        t.say([b.text.pick(phrases.REOPEN, t.ctx)], tone=None)
        t.update(status=TicketStatus.open, solved_at=None, reopen_count=t.ticket.reopen_count + 1)
        t.wait(2, 24)
        resolve(t, csat_scores=(4, 5))
    if angry:
        t.wait(0.2, 6)
        t.say([b.text.pick(phrases.APOLOGY_AFTER, t.ctx)], tone=None)
    return t


_PRIORITIES = ("p2", "p3", "p3", "p4")


def account_noise(b: AccountBuilder, start: datetime, end: datetime, noise: Noise) -> tuple[str, datetime] | None:
    """Per-account noise: a stakeholder change note (nothing wrong) and maybe a temporary usage dip."""
    rng = b.rng
    if rng.random() < noise.stakeholder_change_account:
        at = start + timedelta(days=rng.randint(20, max(21, (end - start).days - 10)), hours=10)
        ctx = b.ctx()
        b.note(at, b.account.csm or "CSM", b.text.plain(ctx, [b.text.pick(phrases.HARMLESS_STAKEHOLDER, ctx)]),
               "stakeholder_change")
    if rng.random() < noise.usage_dip_account:
        day = start + timedelta(days=rng.randint(30, max(31, (end - start).days - 20)))
        return ("blip", day - timedelta(days=day.weekday()))
    return None


