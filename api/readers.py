"""Read-only queries the HTTP surface needs: accounts, risk assessments, evidence records.

Risk reads use rules.detect when it is installed and fall back to reading the `assessments` table.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.db import schema as t
from core.models import Account, RiskAssessment


class AccountNotFound(LookupError):
    """No account with that id."""


def _table_latest(engine: sa.Engine, account_id: str) -> RiskAssessment | None:
    with engine.connect() as c:
        body = c.execute(sa.select(t.assessments.c.body).where(t.assessments.c.account_id == account_id)
                         .order_by(t.assessments.c.assessed_at.desc(), t.assessments.c.id.desc()).limit(1)).scalar()
    return RiskAssessment.model_validate(body) if body else None


def _table_history(engine: sa.Engine, account_id: str) -> list[RiskAssessment]:
    with engine.connect() as c:
        bodies = c.scalars(sa.select(t.assessments.c.body).where(t.assessments.c.account_id == account_id)
                           .order_by(t.assessments.c.assessed_at, t.assessments.c.id)).all()
    return [RiskAssessment.model_validate(b) for b in bodies]


try:  # detection owns these once it lands; the table readers keep the API working until then
    from rules.detect import latest_assessment, risk_history  # type: ignore[import-not-found]
except ImportError:
    latest_assessment = _table_latest
    risk_history = _table_history


def get_account(engine: sa.Engine, account_id: str) -> Account:
    with engine.connect() as c:
        row = c.execute(sa.select(t.accounts).where(t.accounts.c.id == account_id)).one_or_none()
    if row is None:
        raise AccountNotFound(account_id)
    fields = {k: v for k, v in row._mapping.items() if k in Account.model_fields}
    return Account.model_validate(fields)


def accounts_by_risk(engine: sa.Engine, band: str | None = None, limit: int = 100) -> list[tuple[Account, dict]]:
    """Accounts with their latest score, highest first (unscored accounts last)."""
    latest = (sa.select(t.assessments.c.account_id, sa.func.max(t.assessments.c.id).label("aid"))
              .group_by(t.assessments.c.account_id).subquery())
    query = (sa.select(t.accounts, t.assessments.c.score, t.assessments.c.band, t.assessments.c.confidence,
                       t.assessments.c.assessed_at)
             .select_from(t.accounts.outerjoin(latest, latest.c.account_id == t.accounts.c.id)
                          .outerjoin(t.assessments, t.assessments.c.id == latest.c.aid))
             .order_by(sa.func.coalesce(t.assessments.c.score, -1).desc(), t.accounts.c.id).limit(limit))
    if band:
        query = query.where(t.assessments.c.band == band)
    with engine.connect() as c:
        rows = c.execute(query).all()
    out = []
    for row in rows:
        m = row._mapping
        account = Account.model_validate({k: m[k] for k in Account.model_fields})
        out.append((account, {"score": m["score"], "band": m["band"], "confidence": m["confidence"],
                              "assessed_at": m["assessed_at"]}))
    return out


_EVIDENCE_TABLES: dict[str, tuple[sa.Table, str]] = {
    "message": (t.messages, "text"),
    "ticket": (t.tickets, "subject"),
    "csat": (t.csat_responses, "comment"),
    "note": (t.notes, "text"),
    "sla_event": (t.sla_events, "status"),
    "usage": (t.usage_snapshots, "active_users"),
    "account": (t.accounts, "name"),
}


def resolve_evidence(engine: sa.Engine, refs: list[str]) -> list[dict[str, Any]]:
    """Turn `type:id` citations into the text they point at (unknown refs are returned unresolved)."""
    out = []
    with engine.connect() as c:
        for ref in refs:
            kind, _, record_id = ref.partition(":")
            table_col = _EVIDENCE_TABLES.get(kind)
            text = None
            if table_col and record_id:
                table, column = table_col
                value = c.execute(sa.select(table.c[column]).where(table.c.id == record_id)).scalar()
                text = None if value is None else str(value)
            out.append({"ref": ref, "text": text})
    return out
