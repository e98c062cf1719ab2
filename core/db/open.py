"""Open the configured database, migrated to the current schema."""

from __future__ import annotations

import sqlalchemy as sa

from core.db.engine import create_db_engine, migrate
from core.settings import Settings


def open_database(settings: Settings) -> sa.Engine:
    """Create the data dir, connect and migrate (idempotent)."""
    settings.ensure_dirs()
    engine = create_db_engine(settings.effective_database_url)
    migrate(engine)
    return engine


def table_counts(engine: sa.Engine) -> dict[str, int]:
    """Row count of every table (used by the CLI summary and tests)."""
    from core.db.schema import metadata

    with engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in sorted(metadata.tables.items())
        }
