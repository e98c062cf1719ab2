"""Dialect-specific INSERT variants (ON CONFLICT) behind one function each.

Each statement is built once per dialect, table and set of columns and then reused (they are immutable):
building an ON CONFLICT statement (its `excluded` columns above all) cost more CPU than running it, and
the live loop runs several for every event it ingests and every account it assesses."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def _insert_for(dialect: str, table: sa.Table):  # type: ignore[no-untyped-def]
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@functools.lru_cache(maxsize=512)
def _ignore_stmt(dialect: str, table: sa.Table, key: str):  # type: ignore[no-untyped-def]
    return _insert_for(dialect, table).on_conflict_do_nothing(index_elements=[key])


@functools.lru_cache(maxsize=512)
def _upsert_stmt(dialect: str, table: sa.Table, keys: tuple[str, ...], update: tuple[str, ...],
                 stamp: str | None = None):  # type: ignore[no-untyped-def]
    stmt = _insert_for(dialect, table)
    columns = {c: stmt.excluded[c] for c in update}
    where = table.c[stamp] <= stmt.excluded[stamp] if stamp else None
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=columns, where=where)


def insert_ignore(connection: sa.Connection, table: sa.Table, rows: list[dict], key: str = "id") -> None:
    """Insert rows, silently keeping the existing row where the key already exists."""
    if rows:
        connection.execute(_ignore_stmt(connection.dialect.name, table, key), rows)


def upsert(connection: sa.Connection, table: sa.Table, rows: list[dict], key: str = "id") -> None:
    """Insert or overwrite by key (for derived state such as detection windows and cursors)."""
    if not rows:
        return
    update = tuple(c for c in rows[0] if c != key)
    connection.execute(_upsert_stmt(connection.dialect.name, table, (key,), update), rows)


def upsert_on(connection: sa.Connection, table: sa.Table, rows: list[dict], keys: list[str],
              update: list[str]) -> None:
    """Insert, or overwrite the ``update`` columns where the (possibly composite) unique ``keys`` exist."""
    if not rows:
        return
    connection.execute(_upsert_stmt(connection.dialect.name, table, tuple(keys), tuple(update)), rows)


def upsert_latest(connection: sa.Connection, table: sa.Table, rows: list[dict], stamp: str = "updated_at") -> None:
    """Insert or update by id, but never let an older change overwrite a newer one (out-of-order events)."""
    if not rows:
        return
    update = tuple(c for c in rows[0] if c != "id")
    connection.execute(_upsert_stmt(connection.dialect.name, table, ("id",), update, stamp), rows)


def insert_or_ignore(connection: sa.Connection, table: sa.Table, key: str):  # type: ignore[no-untyped-def]
    """The INSERT ... ON CONFLICT (key) DO NOTHING statement, to execute with one parameter set."""
    return _ignore_stmt(connection.dialect.name, table, key)
