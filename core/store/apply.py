"""Apply validated events to the record tables (idempotent, order-independent)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from core.db import schema as t
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
from core.store.dialect import insert_ignore, upsert_latest

_LATEST_WINS = {
    AccountUpserted: t.accounts,
    ContactUpserted: t.contacts,
    TicketUpserted: t.tickets,
    UsageRecorded: t.usage_snapshots,
}
_FIRST_WINS = {
    MessageCreated: t.messages,
    CsatRecorded: t.csat_responses,
    SlaRecorded: t.sla_events,
    NoteCreated: t.notes,
}


def _row(event: _Envelope) -> dict:
    row = event.payload.model_dump(mode="python")  # type: ignore[attr-defined]
    row["event_id"] = event.event_id
    if type(event) in _LATEST_WINS:
        row["updated_at"] = event.occurred_at
    return row


def _snapshot(event: TicketUpserted) -> dict:
    p = event.payload
    return {
        "event_id": event.event_id, "ticket_id": p.id, "account_id": p.account_id, "occurred_at": event.occurred_at,
        "status": p.status.value, "priority": p.priority.value, "assignee": p.assignee,
        "engineering_owner": p.engineering_owner, "reopen_count": p.reopen_count,
    }


def apply_events(connection: sa.Connection, events: Iterable[_Envelope]) -> dict[str, int]:
    """Write each event's record; returns counts per event type. Runs inside the caller's transaction."""
    by_table: dict[sa.Table, list[dict]] = defaultdict(list)
    snapshots: list[dict] = []
    counts: dict[str, int] = defaultdict(int)
    for event in sorted(events, key=lambda e: e.occurred_at):
        kind = type(event)
        table = _LATEST_WINS[kind] if kind in _LATEST_WINS else _FIRST_WINS[kind]
        by_table[table].append(_row(event))
        if isinstance(event, TicketUpserted):
            snapshots.append(_snapshot(event))
        counts[event.type] += 1  # type: ignore[attr-defined]
    for table, rows in by_table.items():
        if any(table is latest for latest in _LATEST_WINS.values()):
            upsert_latest(connection, table, rows)
        else:
            insert_ignore(connection, table, rows)
    insert_ignore(connection, t.ticket_snapshots, snapshots, key="event_id")
    return dict(counts)
