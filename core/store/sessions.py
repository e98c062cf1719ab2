"""Page sessions ended before their expiry (logout): shared by every worker, kept until the cookie expires."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.db import schema as t
from core.db.engine import read_connection


def revoke_session(engine: sa.Engine, session_id: str, expires_at: datetime, now: datetime) -> None:
    """Record that a session ended (idempotent) and forget sessions that have expired anyway."""
    r = t.revoked_sessions
    with engine.begin() as c:
        c.execute(r.delete().where(r.c.expires_at <= now))
        if c.execute(sa.select(r.c.session_id).where(r.c.session_id == session_id)).scalar() is None:
            try:
                with c.begin_nested():
                    c.execute(r.insert().values(session_id=session_id, expires_at=expires_at))
            except sa.exc.IntegrityError:
                pass  # a concurrent logout of the same session recorded it first


def is_revoked(engine: sa.Engine, session_id: str) -> bool:
    r = t.revoked_sessions
    with read_connection(engine) as c:
        return c.execute(sa.select(r.c.session_id).where(r.c.session_id == session_id)).scalar() is not None
