"""Indexes for the reads people wait on: the approval inbox in order (all, or one role's queue) and an
account's newest assessment.

Revision ID: 0010
Revises: 0004
"""

from alembic import op

revision = "0010"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = (
    # The inbox: WHERE status = ? ORDER BY created_at, id LIMIT n walks the index and stops at n rows.
    ("ix_approvals_status_created", "approvals", ["status", "created_at", "id"]),
    # A role's queue (`role=`, `mine=true`): the same walk within one assigned role.
    ("ix_approvals_status_role_created", "approvals", ["status", "assigned_role", "created_at"]),
    # An account's newest assessment (account risk, case 360): one index probe, whatever its history.
    ("ix_assessments_account_id_id", "assessments", ["account_id", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
