"""One account's own records for its page: tickets, the conversation, CSAT, usage, past cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from core.db import schema as t


@dataclass(frozen=True)
class TicketLine:
    id: str
    subject: str
    priority: str
    status: str
    assignee: str | None
    reopen_count: int
    created_at: datetime
    solved_at: datetime | None


@dataclass(frozen=True)
class MessageLine:
    id: str
    ticket_id: str
    author_side: str
    author_id: str | None
    channel: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CaseLine:
    id: str
    opened_at: datetime
    closed_at: datetime | None
    phase: str
    owner: str | None
    outcome: str | None


def account_tickets(engine: sa.Engine, account_id: str, limit: int = 50) -> list[TicketLine]:
    """The account's tickets, open ones first, newest first."""
    tk = t.tickets
    query = (sa.select(tk.c.id, tk.c.subject, tk.c.priority, tk.c.status, tk.c.assignee, tk.c.reopen_count,
                       tk.c.created_at, tk.c.solved_at)
             .where(tk.c.account_id == account_id)
             .order_by(tk.c.solved_at.is_not(None), tk.c.created_at.desc(), tk.c.id).limit(limit))
    with engine.connect() as c:
        return [TicketLine(**r._mapping) for r in c.execute(query)]


def account_messages(engine: sa.Engine, account_id: str, ticket_ids: list[str], per_ticket: int = 40) -> list[MessageLine]:
    """The conversation on these tickets, oldest first (the newest `per_ticket` of each thread)."""
    if not ticket_ids:
        return []
    m = t.messages
    out: list[MessageLine] = []
    with engine.connect() as c:
        for ticket_id in ticket_ids:
            query = (sa.select(m.c.id, m.c.ticket_id, m.c.author_side, m.c.author_id, m.c.channel, m.c.text,
                               m.c.created_at)
                     .where(m.c.account_id == account_id, m.c.ticket_id == ticket_id)
                     .order_by(m.c.created_at.desc(), m.c.id.desc()).limit(per_ticket))
            out.extend(reversed([MessageLine(**r._mapping) for r in c.execute(query)]))
    return out


def account_csat(engine: sa.Engine, account_id: str, limit: int = 200) -> list[tuple[datetime, int]]:
    """(when, score) of the account's CSAT responses, oldest first."""
    cs = t.csat_responses
    query = (sa.select(cs.c.created_at, cs.c.score).where(cs.c.account_id == account_id)
             .order_by(cs.c.created_at.desc()).limit(limit))
    with engine.connect() as c:
        return [(r.created_at, r.score) for r in reversed(c.execute(query).all())]


def account_usage(engine: sa.Engine, account_id: str, limit: int = 52) -> list[tuple[date, int]]:
    """(week, active users) of the account's usage snapshots, oldest first."""
    u = t.usage_snapshots
    query = (sa.select(u.c.week_start, u.c.active_users).where(u.c.account_id == account_id)
             .order_by(u.c.week_start.desc()).limit(limit))
    with engine.connect() as c:
        return [(r.week_start, r.active_users) for r in reversed(c.execute(query).all())]


def account_cases(engine: sa.Engine, account_id: str) -> list[CaseLine]:
    """Every case the account has had, newest first."""
    e = t.escalations
    query = (sa.select(e.c.id, e.c.opened_at, e.c.closed_at, e.c.phase, e.c.owner, e.c.outcome)
             .where(e.c.account_id == account_id).order_by(e.c.opened_at.desc()))
    with engine.connect() as c:
        return [CaseLine(**r._mapping) for r in c.execute(query)]
