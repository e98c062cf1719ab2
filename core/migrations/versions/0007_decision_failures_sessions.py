"""Decisions that failed to apply (surfaced, retryable) and page sessions revoked at logout.

Revision ID: 0007
Revises: 0003_scale_out
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_failures",
        sa.Column("approval_id", sa.String(length=64), nullable=False),
        sa.Column("escalation_id", sa.String(length=128), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_type", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("approval_id"),
    )
    op.create_index("ix_approval_failures_escalation_id", "approval_failures", ["escalation_id"])
    op.create_table(
        "revoked_sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )


def downgrade() -> None:
    op.drop_table("revoked_sessions")
    op.drop_index("ix_approval_failures_escalation_id", table_name="approval_failures")
    op.drop_table("approval_failures")
