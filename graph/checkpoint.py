"""Checkpointer factory: a SQLite file by default, PostgreSQL when the database URL is PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from contextlib import AbstractContextManager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from core.settings import Settings


class Checkpointer(AbstractContextManager["Checkpointer"]):
    """Owns the saver and its connection(s); close it when done."""

    def __init__(self, saver: BaseCheckpointSaver, closer: Any):
        self.saver = saver
        self._closer = closer

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closer.close()


def open_checkpointer(settings: Settings) -> Checkpointer:
    """Open (and set up, idempotently) the checkpointer the settings call for."""
    if settings.is_postgres:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        conninfo = settings.effective_database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        pool = ConnectionPool(conninfo, min_size=1, max_size=4, open=True,
                              kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row})
        saver = PostgresSaver(pool)  # type: ignore[arg-type]
        # Several processes start at once (API workers, job workers): the checkpointer's own migrations
        # are not safe to run concurrently, so one process at a time runs them.
        # Poll with try-lock: a session blocked in pg_advisory_lock holds a snapshot, and the setup's
        # CREATE INDEX CONCURRENTLY waits for every snapshot, so a blocking wait deadlocks the two.
        with pool.connection() as lock:
            while not lock.execute("SELECT pg_try_advisory_lock(727276) AS got").fetchone()["got"]:  # type: ignore[index]
                time.sleep(0.2)
            try:
                saver.setup()
            finally:
                lock.execute("SELECT pg_advisory_unlock(727276)")
        return Checkpointer(saver, pool)
    from langgraph.checkpoint.sqlite import SqliteSaver

    settings.ensure_dirs()
    connection = sqlite3.connect(str(settings.checkpoint_path), check_same_thread=False, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    saver = SqliteSaver(connection)
    saver.setup()
    return Checkpointer(saver, connection)
