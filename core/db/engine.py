"""Engine creation and migrations: one code path for SQLite files and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_db_engine(url: str) -> sa.Engine:
    """An engine configured for safe concurrent use (WAL and a busy timeout on SQLite)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


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
