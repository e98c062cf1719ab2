"""The PostgreSQL pool checks a connection only after it sat idle, and replaces a dead one."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from core.db.engine import _ping_when_idle

pytestmark = pytest.mark.postgres


def test_a_dead_idle_connection_is_replaced_and_a_recently_used_one_is_not_pinged(pg_url: str, pg_admin: sa.Engine) -> None:
    engine = sa.create_engine(pg_url, pool_size=1, max_overflow=0)
    _ping_when_idle(engine, idle_s=0.2)
    with engine.connect() as c:
        pid = c.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    with pg_admin.connect() as admin:
        admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    time.sleep(0.3)
    with engine.connect() as c:  # idle past the threshold: checked, found dead, replaced
        assert c.execute(sa.text("SELECT pg_backend_pid()")).scalar() != pid
    with pg_admin.connect() as admin:  # a connection killed while busy is not checked: that use fails
        with engine.connect() as c:
            pid = c.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(sa.exc.DBAPIError), engine.connect() as c:
        c.execute(sa.text("SELECT 1"))
    with engine.connect() as c:  # and the pool recovers on the next use
        assert c.execute(sa.text("SELECT 1")).scalar() == 1
    engine.dispose()
