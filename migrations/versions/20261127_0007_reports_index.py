"""reports: an index on calls for the dashboard's contacts by period, channel and kind

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 18:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # Covers the dashboard's largest query (contacts in a date range by channel and kind, and by
    # case for the region/form/partner filters), so it is read from the index alone.
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calls_received_at_report", ["received_at", "channel", "kind", "case_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_received_at_report")
