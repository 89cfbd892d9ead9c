"""reports: recorded anonymised releases of the victims' standard form

report_releases: one row per release of the HTCDS/CTDC victims' file, made once for a calendar
quarter or year (sequence 1) or as a late-records release of it (2, 3, ...), with its k, counts,
sheet (JSON) and the exact bytes of its CSV and XLSX. report_release_members: which persons each
release holds, one row per person (the primary key: a person is in at most one release); no foreign
key to persons, so deleting a person is never blocked. Only new tables: no existing row changes;
downgrade drops them (the audit trail keeps its rows).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import hotline.database

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("victims", sa.Integer(), nullable=False),
        sa.Column("minors", sa.Integer(), nullable=False),
        sa.Column("qi_values", sa.Integer(), nullable=False),
        sa.Column("suppressed_values", sa.Integer(), nullable=False),
        sa.Column("generalised_values", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.JSON(), nullable=False),
        sa.Column("csv_data", sa.LargeBinary(), nullable=False),
        sa.Column("xlsx_data", sa.LargeBinary(), nullable=False),
        sa.Column("csv_sha256", sa.String(length=64), nullable=False),
        sa.Column("xlsx_sha256", sa.String(length=64), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("made_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["users.id"], name=op.f("fk_report_releases_made_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_releases")),
        sa.UniqueConstraint(
            "period_kind", "period_start", "sequence", name=op.f("uq_report_releases_period_kind")
        ),
    )
    op.create_table(
        "report_release_members",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["report_releases.id"],
            name=op.f("fk_report_release_members_release_id_report_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_report_release_members")),
    )
    with op.batch_alter_table("report_release_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_release_members_release_id"), ["release_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_release_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_release_members_release_id"))
    op.drop_table("report_release_members")
    op.drop_table("report_releases")
