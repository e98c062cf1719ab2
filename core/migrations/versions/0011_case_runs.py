"""Where each case's workflow thread stands (settled, next timer), so the minute's recovery and timer
round reads only the cases that need it.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_runs",
        sa.Column("case_id", sa.String(length=128), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_case_runs_due", "case_runs", ["next_due_at"])


def downgrade() -> None:
    op.drop_index("ix_case_runs_due", table_name="case_runs")
    op.drop_table("case_runs")
