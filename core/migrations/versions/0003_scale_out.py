"""Scale-out: event deliveries and webhook signatures in the database, one open case per account.

Revision ID: 0003_scale_out
Revises: 0002_signal_windows
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_scale_out"
down_revision = "0002_signal_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_deliveries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_event_deliveries_status", "event_deliveries", ["status", "id"])
    op.create_table(
        "webhook_signatures",
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )
    op.create_index("uq_escalations_open_account", "escalations", ["account_id"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_escalations_open_account", table_name="escalations")
    op.drop_table("webhook_signatures")
    op.drop_index("ix_event_deliveries_status", table_name="event_deliveries")
    op.drop_table("event_deliveries")
