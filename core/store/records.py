"""Read the source records back as domain models."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.db import schema as t
from core.models import Account, Contact, Message, Ticket


class RecordNotFound(LookupError):
    """No record with that id."""


def _model(model: type, row: sa.Row, drop: tuple[str, ...] = ("updated_at", "event_id")):  # type: ignore[no-untyped-def]
    return model.model_validate({k: v for k, v in row._mapping.items() if k not in drop})


def get_account(engine: sa.Engine, account_id: str) -> Account:
    with engine.connect() as c:
        row = c.execute(sa.select(t.accounts).where(t.accounts.c.id == account_id)).one_or_none()
    if row is None:
        raise RecordNotFound(f"account {account_id!r}")
    return _model(Account, row)


def list_accounts(engine: sa.Engine) -> list[Account]:
    with engine.connect() as c:
        return [_model(Account, r) for r in c.execute(sa.select(t.accounts).order_by(t.accounts.c.name))]


def account_messages(engine: sa.Engine, account_id: str, *, since: datetime | None = None,
                     until: datetime | None = None, limit: int = 50) -> list[Message]:
    """The account's most recent messages (oldest first), optionally within a time window."""
    query = sa.select(t.messages).where(t.messages.c.account_id == account_id)
    if since:
        query = query.where(t.messages.c.created_at > since)
    if until:
        query = query.where(t.messages.c.created_at <= until)
    with engine.connect() as c:
        rows = c.execute(query.order_by(t.messages.c.created_at.desc()).limit(limit)).all()
    return [_model(Message, r, drop=("event_id",)) for r in reversed(rows)]


def account_tickets(engine: sa.Engine, account_id: str) -> list[Ticket]:
    with engine.connect() as c:
        rows = c.execute(sa.select(t.tickets).where(t.tickets.c.account_id == account_id)
                         .order_by(t.tickets.c.created_at)).all()
    return [_model(Ticket, r) for r in rows]


def account_contacts(engine: sa.Engine, account_id: str) -> list[Contact]:
    """The account's contacts, key stakeholders first."""
    with engine.connect() as c:
        rows = c.execute(sa.select(t.contacts).where(t.contacts.c.account_id == account_id)
                         .order_by(t.contacts.c.is_key_stakeholder.desc(), t.contacts.c.name)).all()
    return [_model(Contact, r) for r in rows]


def find_tickets(engine: sa.Engine, ticket_ids: list[str]) -> dict[str, Ticket]:
    """The stored tickets among `ticket_ids` (connectors replay vendor history on top of them)."""
    found: dict[str, Ticket] = {}
    with engine.connect() as c:
        for i in range(0, len(ticket_ids), 1000):
            part = ticket_ids[i:i + 1000]
            found.update((r.id, _model(Ticket, r)) for r in c.execute(sa.select(t.tickets).where(t.tickets.c.id.in_(part))))
    return found


def sla_statuses(engine: sa.Engine, sla_ids: list[str]) -> dict[str, str]:
    """Stored SLA outcomes (`breached`, `met`) by SLA record id."""
    with engine.connect() as c:
        rows = c.execute(sa.select(t.sla_events.c.id, t.sla_events.c.status).where(t.sla_events.c.id.in_(sla_ids)))
        return {r.id: r.status for r in rows}
