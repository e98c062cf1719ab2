"""Vendor sync cursors: read where a stream stopped, advance it inside the transaction that stores its page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from core.db import schema as t
from core.store.dialect import upsert


@dataclass(frozen=True)
class SyncCursor:
    """Where one stream stands: the vendor cursor (if any), the newest record time stored, totals."""

    stream: str
    cursor: str | None
    watermark: datetime | None
    pages: int = 0
    events: int = 0
    updated_at: datetime | None = None


def _from_row(row: sa.Row) -> SyncCursor:
    return SyncCursor(row.stream, row.cursor, row.watermark, row.pages, row.events, row.updated_at)


def read_cursor(engine: sa.Engine, stream: str) -> SyncCursor | None:
    with engine.connect() as connection:
        row = connection.execute(sa.select(t.sync_cursors).where(t.sync_cursors.c.stream == stream)).first()
    return _from_row(row) if row else None


def list_cursors(engine: sa.Engine, prefix: str = "") -> list[SyncCursor]:
    query = sa.select(t.sync_cursors).order_by(t.sync_cursors.c.stream)
    if prefix:
        query = query.where(t.sync_cursors.c.stream.startswith(prefix))
    with engine.connect() as connection:
        return [_from_row(row) for row in connection.execute(query)]


def advance_cursor(connection: sa.Connection, stream: str, cursor: str | None, watermark: datetime | None,
                   events: int, now: datetime | None = None) -> None:
    """Move a stream's cursor; call it on the connection whose transaction stores the page's events."""
    # The row is locked for update on PostgreSQL, so two syncs of one stream serialise on it.
    current = connection.execute(
        sa.select(t.sync_cursors).where(t.sync_cursors.c.stream == stream).with_for_update()).first()
    kept = current.watermark if current is not None else None
    newest = max(w for w in (kept, watermark) if w is not None) if (kept or watermark) else None
    upsert(connection, t.sync_cursors, [{
        "stream": stream, "cursor": cursor, "watermark": newest,
        "pages": (current.pages if current else 0) + 1, "events": (current.events if current else 0) + events,
        "updated_at": now or datetime.now(UTC),
    }], key="stream")


def restart_from_watermark(engine: sa.Engine, stream: str) -> None:
    """Forget an expired vendor cursor; the next page is requested from the watermark instead."""
    with engine.begin() as connection:
        connection.execute(t.sync_cursors.update().where(t.sync_cursors.c.stream == stream).values(cursor=None))
