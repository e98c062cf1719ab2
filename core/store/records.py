"""Read the source records back as domain models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.db.engine import read_connection
from core.models import Account, Contact, Message, Ticket


class RecordNotFound(LookupError):
    """No record with that id."""


class AccountNotFound(RecordNotFound):
    """No account with that id."""


def _model(model: type, row: sa.Row, drop: tuple[str, ...] = ("updated_at", "event_id")):  # type: ignore[no-untyped-def]
    return model.model_validate({k: v for k, v in row._mapping.items() if k not in drop})


def get_account(engine: sa.Engine, account_id: str) -> Account:
    with read_connection(engine) as c:
        row = c.execute(sa.select(t.accounts).where(t.accounts.c.id == account_id)).one_or_none()
    if row is None:
        raise AccountNotFound(account_id)
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


def accounts_by_risk(engine: sa.Engine, band: str | None = None, limit: int = 100) -> list[tuple[Account, dict]]:
    """Accounts with their latest score, highest first (unscored accounts last)."""
    latest = (sa.select(t.assessments.c.account_id, sa.func.max(t.assessments.c.id).label("aid"))
              .group_by(t.assessments.c.account_id).subquery())
    query = (sa.select(t.accounts, t.assessments.c.score, t.assessments.c.band, t.assessments.c.confidence,
                       t.assessments.c.assessed_at)
             .select_from(t.accounts.outerjoin(latest, latest.c.account_id == t.accounts.c.id)
                          .outerjoin(t.assessments, t.assessments.c.id == latest.c.aid))
             .order_by(sa.func.coalesce(t.assessments.c.score, -1).desc(), t.accounts.c.id).limit(limit))
    if band:
        query = query.where(t.assessments.c.band == band)
    with read_connection(engine) as c:
        rows = c.execute(query).all()
    out = []
    for row in rows:
        m = row._mapping
        account = Account.model_validate({k: m[k] for k in Account.model_fields})
        out.append((account, {"score": m["score"], "band": m["band"], "confidence": m["confidence"],
                              "assessed_at": m["assessed_at"]}))
    return out


_EVIDENCE_TABLES: dict[str, tuple[sa.Table, str]] = {
    "message": (t.messages, "text"),
    "ticket": (t.tickets, "subject"),
    "csat": (t.csat_responses, "comment"),
    "note": (t.notes, "text"),
    "sla_event": (t.sla_events, "status"),
    "usage": (t.usage_snapshots, "active_users"),
    "account": (t.accounts, "name"),
}


def resolve_evidence(engine: sa.Engine, refs: list[str]) -> list[dict[str, Any]]:
    """Turn `type:id` citations into the text they point at (unknown refs are returned unresolved), in
    citation order; one query per kind of record cited, whatever the number of citations."""
    if not refs:
        return []
    with read_connection(engine) as c:
        return resolve_evidence_in(c, refs)


def resolve_evidence_in(c: sa.Connection, refs: list[str]) -> list[dict[str, Any]]:
    """`resolve_evidence` on the caller's connection."""
    wanted: dict[str, set[str]] = {}
    for ref in refs:
        kind, _, record_id = ref.partition(":")
        if kind in _EVIDENCE_TABLES and record_id:
            wanted.setdefault(kind, set()).add(record_id)
    found: dict[tuple[str, str], str | None] = {}
    for kind, ids in wanted.items():
        table, column = _EVIDENCE_TABLES[kind]
        for record_id, value in c.execute(sa.select(table.c.id, table.c[column]).where(table.c.id.in_(ids))):
            found[(kind, record_id)] = None if value is None else str(value)
    out = []
    for ref in refs:
        kind, _, record_id = ref.partition(":")
        out.append({"ref": ref, "text": found.get((kind, record_id))})
    return out


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


# Built once, with bound parameters (building a SELECT costs more CPU than running it on an indexed row).
ACCOUNT_ROW = sa.select(t.accounts).where(t.accounts.c.id == sa.bindparam("account_id"))
NEWEST_ASSESSMENT_BODY = (sa.select(t.assessments.c.body)
                          .where(t.assessments.c.account_id == sa.bindparam("account_id"))
                          .order_by(t.assessments.c.id.desc()).limit(1))
_OPEN_CASE_ID = (sa.select(t.escalations.c.id)
                 .where(t.escalations.c.account_id == sa.bindparam("account_id"), t.escalations.c.closed_at.is_(None))
                 .order_by(t.escalations.c.opened_at.desc()).limit(1))


def read_account_risk(engine: sa.Engine, account_id: str) -> tuple[Account, dict[str, Any] | None, str | None]:
    """The account, the stored JSON of its newest assessment (not re-validated) and its open case id, in
    three indexed queries on one connection (AccountNotFound)."""
    from core.store.detection import current_body

    account = {"account_id": account_id}
    with read_connection(engine) as c:
        row = c.execute(ACCOUNT_ROW, account).one_or_none()
        if row is None:
            raise AccountNotFound(account_id)
        body = c.execute(NEWEST_ASSESSMENT_BODY, account).scalar()
        open_case = c.execute(_OPEN_CASE_ID, account).scalar()
    return _model(Account, row), current_body(body), open_case
