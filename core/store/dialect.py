"""Dialect-specific INSERT variants (ON CONFLICT) behind one function each."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def _insert(connection: sa.Connection, table: sa.Table):  # type: ignore[no-untyped-def]
    return (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_ignore(connection: sa.Connection, table: sa.Table, rows: list[dict], key: str = "id") -> None:
    """Insert rows, silently keeping the existing row where the key already exists."""
    if rows:
        connection.execute(_insert(connection, table).on_conflict_do_nothing(index_elements=[key]), rows)


def upsert(connection: sa.Connection, table: sa.Table, rows: list[dict], key: str = "id") -> None:
    """Insert or overwrite by key (for derived state such as detection windows and cursors)."""
    if not rows:
        return
    stmt = _insert(connection, table)
    columns = {c: stmt.excluded[c] for c in rows[0] if c != key}
    connection.execute(stmt.on_conflict_do_update(index_elements=[key], set_=columns), rows)


def upsert_on(connection: sa.Connection, table: sa.Table, rows: list[dict], keys: list[str],
              update: list[str]) -> None:
    """Insert, or overwrite the ``update`` columns where the (possibly composite) unique ``keys`` exist."""
    if not rows:
        return
    stmt = _insert(connection, table)
    connection.execute(stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update}),
                       rows)


def upsert_latest(connection: sa.Connection, table: sa.Table, rows: list[dict], stamp: str = "updated_at") -> None:
    """Insert or update by id, but never let an older change overwrite a newer one (out-of-order events)."""
    if not rows:
        return
    stmt = _insert(connection, table)
    columns = {c: stmt.excluded[c] for c in rows[0] if c != "id"}
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"], set_=columns, where=table.c[stamp] <= stmt.excluded[stamp]
    )
    connection.execute(stmt, rows)


def insert_or_ignore(connection: sa.Connection, table: sa.Table, key: str):  # type: ignore[no-untyped-def]
    """The INSERT ... ON CONFLICT (key) DO NOTHING statement, to execute with one parameter set."""
    return _insert(connection, table).on_conflict_do_nothing(index_elements=[key])
