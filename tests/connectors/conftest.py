"""Helpers for connector tests: fixture paths and a migrated SQLite engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import create_db_engine, migrate

FIXTURES = Path(__file__).parent / "fixtures"
ZENDESK_SAMPLE = Path(__file__).parents[2] / "connectors" / "zendesk_sample"


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'connectors.db'}")
    migrate(engine)
    yield engine
    engine.dispose()
