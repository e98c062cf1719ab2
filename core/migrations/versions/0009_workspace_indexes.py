"""Workspace: each account's latest risk (kept by a trigger) and indexes for the accounts page's filters.

Revision ID: 0009
Revises: 0006 (re-chain as needed; written on 0003)
"""

import sqlalchemy as sa
from alembic import op

from core.db.latest_risk import drop_latest_risk, install_latest_risk

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_risk",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_index("ix_account_risk_rank", "account_risk", ["score", "account_id"])
    op.create_index("ix_account_risk_band", "account_risk", ["band", "score"])
    op.create_index("ix_assessments_account_at", "assessments", ["account_id", "assessed_at"])
    op.create_index("ix_accounts_tier", "accounts", ["tier"])
    op.create_index("ix_accounts_csm", "accounts", ["csm"])
    op.create_index("ix_accounts_renewal_date", "accounts", ["renewal_date"])
    install_latest_risk(op.get_bind())


def downgrade() -> None:
    drop_latest_risk(op.get_bind())
    for name, table in (("ix_accounts_renewal_date", "accounts"), ("ix_accounts_csm", "accounts"),
                        ("ix_accounts_tier", "accounts"), ("ix_assessments_account_at", "assessments")):
        op.drop_index(name, table_name=table)
    op.drop_table("account_risk")
