"""A cheap fingerprint of what the inbox and dashboard show, so open pages can tell when to refresh."""

from __future__ import annotations

import sqlalchemy as sa

from core.db import schema as t


def fingerprint(engine: sa.Engine) -> dict[str, int]:
    """Newest case, approval row count by status change, open risk reviews: changes whenever those pages would."""
    with engine.connect() as c:
        return {
            "cases": int(c.execute(sa.select(sa.func.count()).select_from(t.escalations)).scalar_one()),
            "closed": int(c.execute(sa.select(sa.func.count()).select_from(t.escalations)
                                    .where(t.escalations.c.closed_at.is_not(None))).scalar_one()),
            "pending": int(c.execute(sa.select(sa.func.count()).select_from(t.approvals)
                                     .where(t.approvals.c.status == "pending")).scalar_one()),
            "approvals": int(c.execute(sa.select(sa.func.count()).select_from(t.approvals)).scalar_one()),
            "reviews": int(c.execute(sa.select(sa.func.count()).select_from(t.risk_reviews)
                                     .where(t.risk_reviews.c.status == "open")).scalar_one()),
        }
