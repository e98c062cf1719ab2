"""The trigger that keeps `account_risk` (each account's newest assessment) in step with `assessments`.

Every writer of assessments (detection, imports, tests, an operator) is covered because the database
does it: an insert replaces the account's row only when it is newer (higher id), so replays and
concurrent writers converge on the same answer.
"""

from __future__ import annotations

import sqlalchemy as sa

_COLUMNS = "account_id, assessment_id, score, band, confidence, assessed_at"
_UPSERT = (
    f"INSERT INTO account_risk ({_COLUMNS}) "
    "VALUES (NEW.account_id, NEW.id, NEW.score, NEW.band, NEW.confidence, NEW.assessed_at) "
    "ON CONFLICT (account_id) DO UPDATE SET assessment_id = excluded.assessment_id, score = excluded.score, "
    "band = excluded.band, confidence = excluded.confidence, assessed_at = excluded.assessed_at "
    "WHERE excluded.assessment_id > account_risk.assessment_id"
)
_BACKFILL = (
    f"INSERT INTO account_risk ({_COLUMNS}) "
    "SELECT a.account_id, a.id, a.score, a.band, a.confidence, a.assessed_at FROM assessments a "
    "JOIN (SELECT account_id, MAX(id) AS aid FROM assessments GROUP BY account_id) latest ON a.id = latest.aid"
)


def install_latest_risk(bind: sa.Connection) -> None:
    """Create the trigger for the connection's dialect and fill `account_risk` from existing assessments."""
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(
            "CREATE OR REPLACE FUNCTION redaccount_latest_risk() RETURNS trigger AS $$ BEGIN "
            + _UPSERT + "; RETURN NEW; END; $$ LANGUAGE plpgsql"))
        bind.execute(sa.text("CREATE TRIGGER assessments_latest_risk AFTER INSERT ON assessments "
                             "FOR EACH ROW EXECUTE FUNCTION redaccount_latest_risk()"))
    else:
        bind.execute(sa.text(f"CREATE TRIGGER assessments_latest_risk AFTER INSERT ON assessments BEGIN {_UPSERT}; END"))
    bind.execute(sa.text(_BACKFILL))


def drop_latest_risk(bind: sa.Connection) -> None:
    bind.execute(sa.text("DROP TRIGGER IF EXISTS assessments_latest_risk"
                         + (" ON assessments" if bind.dialect.name == "postgresql" else "")))
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("DROP FUNCTION IF EXISTS redaccount_latest_risk()"))
