"""Workspace indexes: the accounts page's latest-risk sort and its filters (tier, owner, renewal).

Revision ID: 0009_workspace_indexes
Revises: 0003_scale_out
"""

from alembic import op

revision = "0009_workspace_indexes"
down_revision = "0003_scale_out"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assessments_latest", "assessments", ["account_id", "id"])
    op.create_index("ix_assessments_account_at", "assessments", ["account_id", "assessed_at"])
    op.create_index("ix_accounts_tier", "accounts", ["tier"])
    op.create_index("ix_accounts_csm", "accounts", ["csm"])
    op.create_index("ix_accounts_renewal_date", "accounts", ["renewal_date"])


def downgrade() -> None:
    for name, table in (("ix_accounts_renewal_date", "accounts"), ("ix_accounts_csm", "accounts"),
                        ("ix_accounts_tier", "accounts"), ("ix_assessments_account_at", "assessments"),
                        ("ix_assessments_latest", "assessments")):
        op.drop_index(name, table_name=table)
