"""Database-level guards: append-only tables and set-once timestamps, on SQLite and PostgreSQL.

The application never updates these rows; the database refuses it too, so a bug, a script or an
operator with a SQL prompt cannot rewrite a case's history.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.db.schema import APPEND_ONLY_TABLES

_PG_APPEND_ONLY_FN = """
CREATE OR REPLACE FUNCTION redaccount_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END; $$ LANGUAGE plpgsql;
"""

_PG_SET_ONCE_FN = """
CREATE OR REPLACE FUNCTION redaccount_escalation_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'escalations are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.opened_at IS DISTINCT FROM OLD.opened_at THEN
    RAISE EXCEPTION 'escalations.opened_at can be set only once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.closed_at IS NOT NULL AND NEW.closed_at IS DISTINCT FROM OLD.closed_at THEN
    RAISE EXCEPTION 'escalations.closed_at can be set only once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
"""

_PG_SWARM_FN = """
CREATE OR REPLACE FUNCTION redaccount_swarm_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'swarm history is never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.assumed_at IS DISTINCT FROM OLD.assumed_at OR NEW.person IS DISTINCT FROM OLD.person
     OR NEW.role IS DISTINCT FROM OLD.role
     OR (OLD.renounced_at IS NOT NULL AND NEW.renounced_at IS DISTINCT FROM OLD.renounced_at) THEN
    RAISE EXCEPTION 'swarm membership: only renounced_at may be set, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
"""


def _sqlite_statements() -> list[str]:
    out = []
    for table in APPEND_ONLY_TABLES:
        for op in ("UPDATE", "DELETE"):
            out.append(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            )
    out += [
        "CREATE TRIGGER escalations_no_delete BEFORE DELETE ON escalations "
        "BEGIN SELECT RAISE(ABORT, 'escalations are never deleted'); END",
        "CREATE TRIGGER escalations_opened_once BEFORE UPDATE OF opened_at ON escalations "
        "WHEN NEW.opened_at IS NOT OLD.opened_at "
        "BEGIN SELECT RAISE(ABORT, 'escalations.opened_at can be set only once'); END",
        "CREATE TRIGGER escalations_closed_once BEFORE UPDATE OF closed_at ON escalations "
        "WHEN OLD.closed_at IS NOT NULL AND NEW.closed_at IS NOT OLD.closed_at "
        "BEGIN SELECT RAISE(ABORT, 'escalations.closed_at can be set only once'); END",
        "CREATE TRIGGER swarm_no_delete BEFORE DELETE ON swarm_members "
        "BEGIN SELECT RAISE(ABORT, 'swarm history is never deleted'); END",
        "CREATE TRIGGER swarm_set_once BEFORE UPDATE ON swarm_members "
        "WHEN NEW.assumed_at IS NOT OLD.assumed_at OR NEW.person IS NOT OLD.person OR NEW.role IS NOT OLD.role "
        "OR (OLD.renounced_at IS NOT NULL AND NEW.renounced_at IS NOT OLD.renounced_at) "
        "BEGIN SELECT RAISE(ABORT, 'swarm membership: only renounced_at may be set, once'); END",
    ]
    return out


def _postgres_statements() -> list[str]:
    out = [_PG_APPEND_ONLY_FN, _PG_SET_ONCE_FN, _PG_SWARM_FN]
    for table in APPEND_ONLY_TABLES:
        out.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION redaccount_append_only()"
        )
        out.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION redaccount_append_only()"
        )
    out += [
        "CREATE TRIGGER escalations_guard BEFORE UPDATE OR DELETE ON escalations "
        "FOR EACH ROW EXECUTE FUNCTION redaccount_escalation_guard()",
        "CREATE TRIGGER swarm_guard BEFORE UPDATE OR DELETE ON swarm_members "
        "FOR EACH ROW EXECUTE FUNCTION redaccount_swarm_guard()",
    ]
    return out


def install_guards(bind: sa.Connection) -> None:
    """Create the triggers for the connection's dialect."""
    statements = _postgres_statements() if bind.dialect.name == "postgresql" else _sqlite_statements()
    for statement in statements:
        bind.execute(sa.text(statement))
