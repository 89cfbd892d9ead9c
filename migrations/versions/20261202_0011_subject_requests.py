"""subjects: the register of data-subject requests (Ley 29733) and of retention anonymisations

subject_requests: one row per export, correction or anonymisation an admin carried out for a data
subject, and one per case anonymised by `flask retention run` (which skips a case whose retention
row is newer than its closing). The reason is encrypted. Only a new table: no existing row changes,
and downgrade drops it (the register goes with it; the audit trail keeps its rows).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import hotline.database


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subject_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('person_ids', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', hotline.database.EncryptedText(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_subject_requests_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_subject_requests_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_requests'))
    )
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_requests_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_subject_requests_kind_case_id', ['kind', 'case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_requests_kind_case_id')
        batch_op.drop_index(batch_op.f('ix_subject_requests_created_at'))

    op.drop_table('subject_requests')
