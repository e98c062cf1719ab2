"""Engine creation and migrations: one code path for SQLite files and PostgreSQL."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _readable(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_readable(k): _readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v) for v in value]
    return value


# 19 digits in a row: a number orjson may read differently (it turns an integer beyond 64 bits into a
# float); such text, rare in stored values, is decoded by the standard parser. Found by mapping every
# digit to "0" and looking for 19 zeros (C speed: a regex scan took 84 us of the 105 us a 1.9 kB stored
# approval request cost to decode; orjson itself takes 10 us).
_LONG_DIGITS = re.compile(r"\d{19}")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_ZEROS = b"0" * 19


def _may_need_standard_parser(data: bytes) -> bool:
    """Whether the text may hold 19 ASCII digits in a row or an escaped surrogate (cheap, no false negatives
    against `_LONG_DIGITS` / `_ESCAPED_SURROGATE` where it matters: JSON numbers and escapes are ASCII)."""
    return b"\\u" in data or _NINETEEN_ZEROS in data.translate(_DIGITS_TO_ZERO)


def readable_json_loads(text: str | bytes) -> Any:
    """Decode a stored JSON value; an escaped lone surrogate (stored before text was validated) comes back
    as U+FFFD, so a bad row stays readable instead of breaking every encoder downstream.

    Decoded by orjson (several times faster on the stored payloads every read decodes); what orjson
    refuses or could read differently (NaN, an integer beyond 64 bits, a lone surrogate, raw or escaped)
    goes through the standard parser, which gives the same value as before."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if not _may_need_standard_parser(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    text = text.decode("utf-8") if isinstance(text, bytes) else text
    escaped_surrogate = _ESCAPED_SURROGATE.search(text) is not None
    if not escaped_surrogate and _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    value = json.loads(text)
    return _readable(value) if escaped_surrogate else value


def create_db_engine(url: str) -> sa.Engine:
    """An engine configured for safe concurrent use (WAL and a busy timeout on SQLite)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                                  json_deserializer=readable_json_loads)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = sa.create_engine(url, pool_size=5, max_overflow=5, json_deserializer=readable_json_loads)
    _ping_when_idle(engine)
    return engine


@contextmanager
def read_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for a read of one or several statements.

    On PostgreSQL it runs in autocommit: no BEGIN before the first statement and no ROLLBACK when it is
    returned to the pool (two round trips saved per read), and psycopg keeps its prepared statements (a
    ROLLBACK makes it deallocate them all, so the reads never reached its prepare threshold). Each
    statement sees the data committed when it starts, as it does inside a READ COMMITTED transaction (the
    default, which this project does not change), so a read sees nothing it would not have seen before.
    On SQLite the read stays in one transaction (one snapshot for all its statements)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: sa.Engine, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """Check a pooled connection before use only if it sat idle for `idle_s` or more (a server restart or
    an idle timeout shows up there): a dead one is replaced, as `pool_pre_ping` would. A connection
    returned moments ago is used as is, which saves a round trip on nearly every request."""

    @sa.event.listens_for(engine, "connect")
    def _fresh(dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["returned_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def _returned(dbapi_conn, record):  # type: ignore[no-untyped-def]
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, proxy):  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("returned_at", 0.0) < idle_s:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure: the pool replaces the connection
            raise sa.exc.DisconnectionError(f"idle connection is dead: {exc}") from exc


def _alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate(engine: sa.Engine, revision: str = "heads") -> None:
    """Bring the schema to `revision` (idempotent; safe to call at every start-up).

    "heads" rather than "head": independent migrations written side by side (each on the same parent)
    all apply, instead of failing with "multiple heads" until someone re-chains them.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Serialise concurrent start-ups of several workers on one database.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
        command.upgrade(_alembic_config(connection), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The database's revision; with migrations side by side (several heads), their ids joined by '+'."""
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return "+".join(sorted(heads)) if heads else None


def head_revision() -> str:
    """The code's newest revision, in the same form as `current_revision`."""
    with sa.create_engine("sqlite://").connect() as connection:
        heads = ScriptDirectory.from_config(_alembic_config(connection)).get_heads()
    assert heads
    return "+".join(sorted(heads))
