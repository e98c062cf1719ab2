"""The live loop: per-account detection queue, the assessment clock, risk reviews.

Revision ID: 0004
Revises: 0009 (re-chained after the migrations merged from main)
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detection_pending",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "event_id"),
    )
    op.create_index("ix_detection_pending_received", "detection_pending", ["received_at"])
    op.create_table(
        "assessment_schedule",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_index("ix_assessment_schedule_due", "assessment_schedule", ["next_due_at"])
    op.create_table(
        "risk_reviews",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("case_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_reviews_account_id", "risk_reviews", ["account_id"])
    op.create_index("uq_risk_reviews_open_account", "risk_reviews", ["account_id"], unique=True,
                    sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_index("uq_risk_reviews_open_account", table_name="risk_reviews")
    op.drop_index("ix_risk_reviews_account_id", table_name="risk_reviews")
    op.drop_table("risk_reviews")
    op.drop_index("ix_assessment_schedule_due", table_name="assessment_schedule")
    op.drop_table("assessment_schedule")
    op.drop_index("ix_detection_pending_received", table_name="detection_pending")
    op.drop_table("detection_pending")
