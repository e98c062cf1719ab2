"""Named locks that hold across processes: PostgreSQL advisory locks, or in-process locks on SQLite.

Several API workers share one PostgreSQL database; a case thread must be resumed by one of them at a
time and the periodic jobs (FCR tick, recovery, notifications) must run in one of them. A session-level
advisory lock is released by the server when its holder dies, so a SIGKILLed worker never leaves a lock
behind. SQLite mode is one process by design (`redaccount serve --workers 1`), so a thread lock suffices.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

# SQLite mode: one registry per process, so every NamedLocks in the process agrees.
_LOCAL: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (what pg_advisory_lock takes)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class NamedLocks:
    """`hold(name)` blocks until the lock is held; `hold(name, wait=False)` yields False if it is busy."""

    def __init__(self, engine: sa.Engine):
        self._postgres = engine.dialect.name == "postgresql"
        if self._postgres:
            # A pool of its own: a thread waiting for a lock must not take a connection the holder needs.
            self._engine = sa.create_engine(engine.url, pool_size=2, max_overflow=64, pool_pre_ping=True,
                                            isolation_level="AUTOCOMMIT")

    @contextmanager
    def hold(self, name: str, wait: bool = True) -> Iterator[bool]:
        if not self._postgres:
            with _LOCAL_GUARD:
                lock = _LOCAL.setdefault(name, threading.Lock())
            got = lock.acquire(blocking=wait)
            try:
                yield got
            finally:
                if got:
                    lock.release()
            return
        key = lock_key(name)
        with self._engine.connect() as connection:
            if wait:
                connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
                got = True
            else:
                got = bool(connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            try:
                yield got
            finally:
                if got:
                    connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    def dispose(self) -> None:
        if self._postgres:
            self._engine.dispose()
