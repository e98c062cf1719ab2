"""Persistence: engine, migrations, schema."""

from core.db.engine import create_db_engine, migrate
from core.db.open import open_database, table_counts

__all__ = ["create_db_engine", "migrate", "open_database", "table_counts"]
