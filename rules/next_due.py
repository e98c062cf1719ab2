"""When an account's assessment next changes by time alone, with no new event.

Signals read the window as of `now`; some of them flip when a threshold is crossed by the clock: a
stakeholder goes silent (and stays silent twice as long), an SLA enters its imminent window or falls
due, engineering stays silent on an escalated ticket, the renewal window opens, a record ages out of the
lookback. The earliest of those moments after `now` is when the scheduler must assess the account again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from rules.signals.window import DAY, HOUR, OPEN, AccountWindow, ts
from rules.thresholds import Thresholds


def _renewal_window_start(w: AccountWindow, th: Thresholds) -> float | None:
    if not w.account or not w.account.get("renewal_date"):
        return None
    renewal = date.fromisoformat(w.account["renewal_date"])
    start = datetime.combine(renewal - timedelta(days=th.renewal_window_days), time(), tzinfo=ts(0).tzinfo)
    return start.timestamp()


def _moments(w: AccountWindow, th: Thresholds) -> Iterator[float]:
    quiet_since = w.last_customer[0] if w.last_customer else w.first_seen
    if quiet_since is not None:
        yield quiet_since + th.silence_days * DAY
        yield quiet_since + 2 * th.silence_days * DAY
    renewal = _renewal_window_start(w, th)
    if renewal is not None:
        yield renewal
    for ticket in w.tickets.values():
        if ticket.status not in OPEN:
            continue
        for status, due, _at, _sla in ticket.sla.values():
            if status == "warning":
                yield due - th.sla_imminent_hours * HOUR
                yield due
        if ticket.eng_owner and ticket.eng_since is not None:
            yield max(ticket.eng_since, ticket.last_reply or 0.0) + th.engineering_silence_hours * HOUR
    # Text and SLA evidence stop counting after the lookback: the score can fall by time alone too.
    # (every deque is bounded, so this stays cheap)
    for hits, at_index in ((w.escalations, 1), (w.compliance, 1), (w.breaches, 4)):
        for hit in hits:
            yield float(hit[at_index]) + th.lookback_days * DAY


def next_change_at(w: AccountWindow, now: datetime, th: Thresholds) -> datetime | None:
    """The earliest moment after `now` at which a time-driven fact of this window changes, or None."""
    at = now.timestamp()
    future = [m for m in _moments(w, th) if m > at]
    return ts(min(future)) if future else None
